"""iproute2's names for numbers: link groups, routing tables, route protocols, scopes, route types and
address families.

Read as iproute2 reads them: its built-in table, overridden by
/usr/share/iproute2, /usr/lib/iproute2 and /etc/iproute2 (NAME and NAME.d/*.conf).
"""
from __future__ import annotations

import os
from typing import NamedTuple

from .. import constants as C

# ip -j writes "family": "inet" / "inet6"
FAMILY_NAMES: dict[int, str] = {C.AF_INET: "inet", C.AF_INET6: "inet6"}
# iproute2 lib/utils.c family_name(), by number (linux/socket.h; AF_DECnet, AF_IPX, AF_MPLS are not in
# the headers the binding reads), plus "unspec" for 0
_ALL_FAMILY_NAMES: dict[int, str] = {C.AF_UNSPEC: "unspec", C.AF_INET: "inet", C.AF_INET6: "inet6", 4: "ipx",
                                     12: "dnet", C.AF_PACKET: "link", 28: "mpls", C.AF_BRIDGE: "bridge"}


def family_name(family: int) -> str:
    """An address family as ip names it ('inet', 'inet6', 'bridge', 'link', ...); unknown ones by number."""
    return _ALL_FAMILY_NAMES.get(family, str(family))


class Names(NamedTuple):
    """iproute2's name tables, number -> name (read by `names`)."""

    groups: dict[int, str]
    tables: dict[int, str]
    protocols: dict[int, str]
    scopes: dict[int, str]
    route_types: dict[int, str]


def read_table(name: str, defaults: dict[int, str]) -> dict[int, str]:
    """/etc/iproute2/NAME (and NAME.d/*.conf) as iproute2 reads them, over its built-in table."""
    out = dict(defaults)
    files = []
    for base in ("/usr/share/iproute2", "/usr/lib/iproute2", "/etc/iproute2"):
        files.append(os.path.join(base, name))
        d = os.path.join(base, name + ".d")
        if os.path.isdir(d):
            files += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".conf"))
    for path in files:
        try:
            with open(path) as f:
                for line in f:
                    parts = line.split("#", 1)[0].split()
                    if len(parts) >= 2:
                        try:
                            out[int(parts[0], 0)] = parts[1]
                        except ValueError:
                            pass
        except OSError:
            pass
    return out


def _lower_names(prefix: str, exclude: tuple[str, ...] = ()) -> dict[int, str]:
    return {v: n[len(prefix):].lower() for v, n in C.names_by_prefix(prefix).items() if n not in exclude}


_NAMES: Names | None = None


def names() -> Names:
    """The name tables with iproute2's spelling (read once)."""
    global _NAMES
    if _NAMES is None:
        _NAMES = Names(
            groups=read_table("group", {0: "default"}),
            tables=read_table("rt_tables", {C.RT_TABLE_LOCAL: "local", C.RT_TABLE_MAIN: "main",
                                            C.RT_TABLE_DEFAULT: "default", C.RT_TABLE_UNSPEC: "unspec"}),
            protocols=read_table("rt_protos", _lower_names("RTPROT_")),
            scopes=read_table("rt_scopes", {C.RT_SCOPE_UNIVERSE: "global", C.RT_SCOPE_SITE: "site",
                                            C.RT_SCOPE_LINK: "link", C.RT_SCOPE_HOST: "host",
                                            C.RT_SCOPE_NOWHERE: "nowhere"}),
            route_types=_lower_names("RTN_", exclude=("RTN_MAX",)))
    return _NAMES


def table_id(table: str | int | None) -> int:
    """A routing table as `ip route show table T` takes it: a name from rt_tables, 'all' (0) or a number;
    None means main.  ValueError for anything else."""
    if table is None:
        return C.RT_TABLE_MAIN
    if isinstance(table, int):
        return table
    s = str(table).strip().lower()
    if s == "all":
        return 0
    if s.isdigit():
        return int(s)
    by_name = {v: k for k, v in names().tables.items()}
    if s in by_name:
        return by_name[s]
    raise ValueError(f"unknown routing table {table!r}: main, local, default, all or a number")


__all__ = ["FAMILY_NAMES", "Names", "family_name", "names", "read_table", "table_id"]
