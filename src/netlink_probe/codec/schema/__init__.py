"""The registry of attribute-space tables: every `Space` of every table module of this package.

Each table module (``link.py``, ``route.py``, ...) exports ``SPACES``, a tuple
of `model.Space`; they are found by listing this package, so a module added
later (or one not written yet) needs no change here.  `space` looks a space
up by its short name ('link', 'veth-info') or by its UAPI enum's first
member ('IFLA_UNSPEC'); `ROOTS` names the top-level space of each rtnetlink
message family.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from .model import Field, Space

# Modules of this package that are machinery, not tables.
_NOT_TABLES = frozenset({"model", "decode"})

# Top-level space of each rtnetlink object family (`codec.rtnl.family` / `codec.msgtypes.object_family`).
# MULTICAST/ANYCAST replies (RTM_NEWMULTICAST 56.., RTM_GETMULTICAST 58) carry an ifaddrmsg and IFA_*:
# inet6_fill_ifmcaddr / inet6_fill_ifacaddr (net/ipv6/addrconf.c), inet_fill_ifmcaddr (net/ipv4/igmp.c).
ROOTS: dict[str, str] = {
    "link": "link", "addr": "addr", "route": "route", "neigh": "neigh", "neightbl": "neightbl", "nsid": "nsid",
    "rule": "rule", "vlan": "bridge-vlan", "nexthop": "nexthop", "netconf": "netconf", "mdb": "mdb",
    "multicast": "addr", "anycast": "addr"}

SPACES: dict[str, Space] = {}
BY_ENUM: dict[str, Space] = {}
FIELDS_BY_NAME: dict[str, Field] = {}
LOAD_ERRORS: dict[str, str] = {}  # table module -> why it did not load (a unit test asserts none)


def _load() -> None:
    for mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        if mod in _NOT_TABLES or mod.startswith("_"):
            continue
        try:
            module: Any = importlib.import_module(f"{__name__}.{mod}")
        except Exception as e:  # noqa: BLE001 - one broken table must not take every decoder down
            LOAD_ERRORS[mod] = f"{type(e).__name__}: {e}"
            continue
        for sp in getattr(module, "SPACES", ()):
            if sp.name in SPACES:
                LOAD_ERRORS[mod] = f"space {sp.name!r} defined twice"
                continue
            SPACES[sp.name] = sp
            if sp.header_enum:
                BY_ENUM.setdefault(sp.header_enum, sp)
            for f in sp.fields:
                FIELDS_BY_NAME.setdefault(f.name, f)


def space(name: str | None) -> Space | None:
    """The space named *name* ('link') or whose UAPI enum starts with *name* ('IFLA_UNSPEC'); None if neither."""
    if name is None:
        return None
    return SPACES.get(name) or BY_ENUM.get(name)


def root_space(obj: str) -> Space | None:
    """The top-level space of an rtnetlink object family ('link', 'multicast', ...)."""
    return space(ROOTS.get(obj))


def field(name: str) -> Field | None:
    """The table entry of an attribute by its name ('RTA_SPORT'), from whichever space defines it."""
    return FIELDS_BY_NAME.get(name)


_load()

__all__ = ["BY_ENUM", "FIELDS_BY_NAME", "Field", "LOAD_ERRORS", "ROOTS", "SPACES", "Space", "field", "root_space",
           "space"]
