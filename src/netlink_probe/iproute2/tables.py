"""The rtnetlink tables `show` reads and ``dump`` offers, by name.

A module of its own: the command's parser needs the names, and ``dump routes
--json`` (`fast_routes`) none of the other tables' renderers that `show` imports.
"""
from __future__ import annotations

TABLES = ("links", "addrs", "routes", "neigh", "neightbl", "rules", "nexthops", "netconf", "fdb", "mdb", "vlan")
# tables whose text is one block per object, printable as each object comes (the others are grouped)
STREAMED_TEXT = frozenset(TABLES) - {"addrs", "mdb", "vlan"}

__all__ = ["STREAMED_TEXT", "TABLES"]
