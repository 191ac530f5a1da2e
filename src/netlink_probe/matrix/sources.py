"""apt sources: finding Debian's archive in the host's lists, writing the private sources file.

The guests' kernels come from bookworm (-updates, -backports, -security), bullseye
(-updates, -security: the 5.10 LTS still in the field) and sid (the newest release, ``latest``),
component main, on the mirror the host's apt already uses.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_KEYRING",
    "GUEST_SUITES",
    "GUEST_SECURITY_SUITE",
    "GUEST_SECURITY_SUITES",
    "parse_one_line_sources",
    "parse_deb822_sources",
    "host_apt_entries",
    "find_debian_mirrors",
    "render_private_sources",
]

DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
GUEST_SUITES = ("bookworm", "bookworm-updates", "bookworm-backports", "bullseye", "bullseye-updates", "sid")
GUEST_SECURITY_SUITE = "bookworm-security"
GUEST_SECURITY_SUITES = (GUEST_SECURITY_SUITE, "bullseye-security")

#: One `deb` entry: {'uris': [...], 'suites': [...], 'components': [...], 'signed_by': str|None}
Entry = dict[str, Any]


def parse_one_line_sources(text: str) -> list[Entry]:
    """Parse sources.list one-line format into [{'uris': [...], 'suites': [...],
    'components': [...], 'signed_by': str|None}] (deb lines only)."""
    entries = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line.startswith("deb ") and not line.startswith("deb\t"):
            continue
        rest = line[3:].strip()
        opts = {}
        if rest.startswith("["):
            end = rest.find("]")
            if end < 0:
                continue
            for tok in rest[1:end].split():
                if "=" in tok:
                    k, v = tok.split("=", 1)
                    opts[k.strip()] = v.strip()
            rest = rest[end + 1:].strip()
        parts = rest.split()
        if len(parts) < 2:
            continue
        entries.append(
            {
                "uris": [parts[0]],
                "suites": [parts[1]],
                "components": parts[2:],
                "signed_by": opts.get("signed-by"),
            }
        )
    return entries


def parse_deb822_sources(text: str) -> list[Entry]:
    """Parse deb822 .sources stanzas (Types: deb only, Enabled: no skipped)."""
    entries = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = None
        for raw in stanza.splitlines():
            if raw.lstrip().startswith("#"):
                continue
            if raw[:1] in (" ", "\t") and key:
                fields[key] += "\n" + raw.strip()
                continue
            if ":" in raw:
                key, val = raw.split(":", 1)
                key = key.strip().lower()
                fields[key] = val.strip()
        if not fields:
            continue
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        signed: str | None = fields.get("signed-by")
        if signed and "\n" in signed:  # an inline key block: keep it out of our config
            signed = None
        entries.append(
            {
                "uris": fields.get("uris", "").split(),
                "suites": fields.get("suites", "").split(),
                "components": fields.get("components", "").split(),
                "signed_by": signed,
            }
        )
    return entries


def host_apt_entries(etc_apt: Path = Path("/etc/apt")) -> list[Entry]:
    """The `deb` entries of the host's sources.list and sources.list.d/*.{list,sources}."""
    entries: list[Entry] = []
    main = etc_apt / "sources.list"
    if main.exists():
        entries += parse_one_line_sources(main.read_text(errors="replace"))
    d = etc_apt / "sources.list.d"
    if d.is_dir():
        for f in sorted(d.iterdir()):
            if f.suffix == ".list":
                entries += parse_one_line_sources(f.read_text(errors="replace"))
            elif f.suffix == ".sources":
                entries += parse_deb822_sources(f.read_text(errors="replace"))
    return entries


def find_debian_mirrors(entries: list[Entry]) -> tuple[str | None, str | None, str | None]:
    """From the host's apt entries, find (archive_uri, security_uri, signed_by) of Debian's
    archive. The archive is a URI whose path ends in /debian; the security archive is one
    with a '-security' suite or a path ending in /debian-security."""
    archive = security = signed = None
    for e in entries:
        for uri in e["uris"]:
            path = uri.rstrip("/")
            is_sec = path.endswith("/debian-security") or any(
                s.endswith("-security") or s.endswith("/updates") for s in e["suites"]
            )
            if is_sec and path.endswith("/debian-security"):
                security = security or path
                signed = signed or e.get("signed_by")
            elif path.endswith("/debian") and not is_sec:
                archive = archive or path
                signed = signed or e.get("signed_by")
    return archive, security, signed


def render_private_sources(archive: str, security: str | None, keyring: str | None) -> str:
    """deb822 text for the guest suites (+ their -security suites) main."""
    sb = f"Signed-By: {keyring}\n" if keyring else ""
    text = (
        f"Types: deb\nURIs: {archive}\nSuites: {' '.join(GUEST_SUITES)}\n"
        f"Components: main\n{sb}"
    )
    if security:
        text += (
            f"\nTypes: deb\nURIs: {security}\nSuites: {' '.join(GUEST_SECURITY_SUITES)}\n"
            f"Components: main\n{sb}"
        )
    return text
