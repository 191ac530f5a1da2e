"""apt-get and apt-cache with a private configuration under CACHE/apt/.

Own sources file, lists, cache and an empty dpkg status: the host's /etc/apt and
/var/lib/apt are never read for state nor written, and nothing gets installed.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from . import MatrixError
from .sources import DEFAULT_KEYRING, find_debian_mirrors, host_apt_entries, render_private_sources

__all__ = ["Apt", "APT_LISTS_MAX_AGE"]

#: The private lists are refreshed when older than this (seconds), or with --refresh.
APT_LISTS_MAX_AGE = 24 * 3600


class Apt:
    """apt-get/apt-cache with private sources, lists, cache and an empty dpkg status."""

    def __init__(self, cache: Path, mirror: str | None, security_mirror: str | None,
                 keyring: str | None) -> None:
        self.root = cache / "apt"
        self.mirror, self.security_mirror, self.keyring = mirror, security_mirror, keyring

    def options(self) -> list[str]:
        """The -o options that point apt at the private state under the cache, never the host's."""
        r = self.root
        return [
            "-o", "Dir::Etc::SourceList=/dev/null",
            "-o", f"Dir::Etc::SourceParts={r}/sources.list.d",
            "-o", f"Dir::State={r}/state",
            "-o", f"Dir::State::Lists={r}/lists",
            "-o", f"Dir::State::status={r}/status",
            "-o", f"Dir::Cache={r}/cache",
            "-o", "Dir::Etc::Preferences=/dev/null",
            "-o", f"Dir::Etc::PreferencesParts={r}/preferences.d",
            "-o", "APT::Architecture=amd64",
            "-o", "APT::Sandbox::User=root",
            "-o", "Acquire::Languages=none",
        ]

    @property
    def _stamp(self) -> Path:
        return self.root / "lists.stamp"

    def setup(self) -> None:
        """Make the private directories and write the sources file (a changed one
        invalidates the lists)."""
        for d in ("sources.list.d", "state", "lists/partial", "cache/archives/partial",
                  "preferences.d"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        (self.root / "status").touch()
        archive, security, signed = self.mirror, self.security_mirror, None
        if not archive:
            h_archive, h_security, signed = find_debian_mirrors(host_apt_entries())
            archive = h_archive
            security = security or h_security
        if not archive:
            raise MatrixError("no Debian archive found in the host's apt sources; pass "
                              "--mirror URL (and --security-mirror URL) of a Debian mirror")
        keyring = self.keyring or (DEFAULT_KEYRING if os.path.exists(DEFAULT_KEYRING) else signed)
        if not keyring or not os.path.exists(keyring):
            raise MatrixError(f"Debian archive keyring not found ({DEFAULT_KEYRING}); "
                              "apt-get install debian-archive-keyring, or pass --keyring")
        text = render_private_sources(archive, security, keyring)
        src = self.root / "sources.list.d" / "kernel-matrix.sources"
        if not src.exists() or src.read_text() != text:
            src.write_text(text)
            self._stamp.unlink(missing_ok=True)

    def update(self, force: bool = False) -> None:
        """apt-get update, unless the lists are younger than APT_LISTS_MAX_AGE."""
        stamp = self._stamp
        if not force and stamp.exists() and time.time() - stamp.stat().st_mtime < APT_LISTS_MAX_AGE:
            return
        r = subprocess.run(["apt-get", *self.options(), "-q", "update"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise MatrixError("private apt-get update failed:\n" + r.stderr[-2000:])
        stamp.touch()

    def pkgnames(self, prefix: str) -> list[str]:
        """Package names starting with *prefix* in the private lists (``apt-cache pkgnames``)."""
        r = subprocess.run(["apt-cache", *self.options(), "pkgnames", prefix],
                           capture_output=True, text=True)
        return r.stdout.split()

    def download(self, pkg: str, dest: Path) -> Path:
        """apt-get download pkg into dest; the .deb's path."""
        dest.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(["apt-get", *self.options(), "-q", "download", pkg], cwd=dest,
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise MatrixError(f"apt-get download {pkg} failed:\n" + r.stderr[-2000:])
        debs = sorted(dest.glob(f"{pkg}_*.deb"), key=lambda p: p.stat().st_mtime)
        if not debs:
            raise MatrixError(f"apt-get download {pkg}: no .deb appeared in {dest}")
        return debs[-1]
