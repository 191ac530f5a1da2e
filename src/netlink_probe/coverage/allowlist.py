"""The YNL oracle's allowlist: disagreements where YNL is wrong, read from docs/ynl-allowlist.md.

The document's table has one row per entry: ``| `id` | `ATTR`, `ATTR` | what YNL says | kernel source |``.
Every attribute named (backticked, netlink_probe's names) in the second column is allowed to
disagree; the last column names the kernel source that proves netlink_probe right.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ALLOWLIST_DOC", "AllowEntry", "load_allowlist", "parse_allowlist"]

#: The document in this checkout (src/netlink_probe/coverage -> CHECKOUT/docs).
ALLOWLIST_DOC = Path(__file__).resolve().parents[3] / "docs" / "ynl-allowlist.md"
_TICKED = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class AllowEntry:
    """One documented YNL mistake: its id, the attributes it covers, and the kernel source that proves it."""

    id: str
    names: frozenset[str]
    proof: str


def parse_allowlist(text: str) -> list[AllowEntry]:
    """The entries of the allowlist document's table (header and separator rows skipped)."""
    out = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not line.lstrip().startswith("|"):
            continue
        ids = _TICKED.findall(cells[0])
        names = _TICKED.findall(cells[1])
        if len(ids) != 1 or not names:
            continue
        out.append(AllowEntry(ids[0], frozenset(names), cells[-1]))
    return out


def load_allowlist(path: Path = ALLOWLIST_DOC) -> list[AllowEntry]:
    """`parse_allowlist` of the document (empty when it does not exist)."""
    return parse_allowlist(path.read_text()) if path.is_file() else []
