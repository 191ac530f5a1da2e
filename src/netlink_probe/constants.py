"""Netlink constants exactly as the installed UAPI headers define them.

Every name comes from the compiled cffi module (see ``sys/_build.py``); this
module only re-exports them and offers reverse look-ups.  The headers may be
older than the running kernel: a value missing here is not proof that the
kernel lacks it.
"""
from __future__ import annotations

from .sys import ffi, lib

NAMES: tuple[str, ...] = tuple(ffi.string(lib.NP_CONSTANT_NAMES[i]).decode() for i in range(lib.NP_CONSTANT_COUNT))
VALUES: dict[str, int] = {n: getattr(lib, n) for n in NAMES}
globals().update(VALUES)

# Each enum of the headers, by its first member, in declaration order.
ENUMS: dict[str, tuple[str, ...]] = {
    g.split(",")[0]: tuple(g.split(",")) for g in ffi.string(lib.NP_ENUMS).decode().split(";") if g
}

# Protocol numbers are plain macros in linux/netlink.h, indistinguishable by
# prefix from the socket options that share NETLINK_; these are the names.
PROTOCOL_NAMES = tuple(n for n in (
    "NETLINK_ROUTE", "NETLINK_UNUSED", "NETLINK_USERSOCK", "NETLINK_FIREWALL", "NETLINK_SOCK_DIAG",
    "NETLINK_NFLOG", "NETLINK_XFRM", "NETLINK_SELINUX", "NETLINK_ISCSI", "NETLINK_AUDIT",
    "NETLINK_FIB_LOOKUP", "NETLINK_CONNECTOR", "NETLINK_NETFILTER", "NETLINK_IP6_FW",
    "NETLINK_DNRTMSG", "NETLINK_KOBJECT_UEVENT", "NETLINK_GENERIC", "NETLINK_SCSITRANSPORT",
    "NETLINK_ECRYPTFS", "NETLINK_RDMA", "NETLINK_CRYPTO", "NETLINK_SMC") if n in VALUES)
# Aliases share a number with an older name; the first listed wins in reverse look-ups.
PROTOCOLS: dict[int, str] = {}
for _n in PROTOCOL_NAMES:
    PROTOCOLS.setdefault(VALUES[_n], _n)


def protocol_number(name_or_number: str | int) -> int:
    """'route', 'NETLINK_ROUTE' or '0' -> 0; raises ValueError for anything else."""
    if isinstance(name_or_number, int):
        return name_or_number
    s = name_or_number.strip()
    if s.lstrip("-").isdigit():
        return int(s)
    key = s.upper() if s.upper().startswith("NETLINK_") else "NETLINK_" + s.upper()
    if key in PROTOCOL_NAMES:
        return VALUES[key]
    raise ValueError(f"unknown netlink protocol {name_or_number!r} (known: "
                     + ", ".join(n[8:].lower() for n in PROTOCOL_NAMES) + ")")


def enum_names(first: str) -> dict[int, str]:
    """{value: name} of the enum whose first member is *first* (e.g. 'IFLA_UNSPEC')."""
    out: dict[int, str] = {}
    for n in ENUMS[first]:
        out.setdefault(VALUES[n], n)
    return out


def names_by_prefix(prefix: str, *, exclude: tuple[str, ...] = ()) -> dict[int, str]:
    """{value: name} for macros under *prefix* (first name wins for shared values)."""
    out: dict[int, str] = {}
    for n in NAMES:
        if n.startswith(prefix) and not n.startswith(exclude) and not n.endswith("_MAX"):
            out.setdefault(VALUES[n], n)
    return out


MESSAGE_TYPES: dict[int, str] = {**names_by_prefix("RTM_", exclude=("RTM_BASE", "RTM_F_", "RTM_NR_")),
                                  **names_by_prefix("NLMSG_", exclude=("NLMSG_MIN_TYPE", "NLMSG_ALIGNTO"))}
RTNL_GROUPS: dict[int, str] = enum_names("RTNLGRP_NONE")


def group_number(name_or_number: str | int) -> int:
    """'RTNLGRP_LINK', 'link' or '1' -> 1; raises ValueError for an unknown name."""
    if isinstance(name_or_number, int):
        return name_or_number
    s = name_or_number.strip()
    if s.isdigit():
        return int(s)
    key = s.upper() if s.upper().startswith("RTNLGRP_") else "RTNLGRP_" + s.upper()
    if key in VALUES:
        return VALUES[key]
    raise ValueError(f"unknown group {name_or_number!r}: give a number or an RTNLGRP_ name")


__all__ = ["ENUMS", "MESSAGE_TYPES", "NAMES", "PROTOCOLS", "PROTOCOL_NAMES", "RTNL_GROUPS", "VALUES", "enum_names",
           "group_number", "names_by_prefix", "protocol_number", *NAMES]
