"""Message type names for any netlink protocol, and rtnetlink families of types newer than the headers.

Control types (< NLMSG_MIN_TYPE) mean the same in every protocol; above them
a type number only has a name within its protocol.  rtnetlink types come in
groups of four (NEW, DEL, GET, SET from RTM_BASE), so a type the headers lack
is named from a header-known member of its group.
"""
from __future__ import annotations

from .. import constants as C
from . import layouts as L
from . import rtnl

_VERBS = ("NEW", "DEL", "GET", "SET")


def type_name(mtype: int, protocol: int = C.NETLINK_ROUTE) -> tuple[str | None, bool]:
    """(name, named_by_headers). Control types (< 16) are named for every protocol.

    A type the headers lack is named from its group of four, e.g. 56 ->
    RTM_NEWMULTICAST from RTM_GETMULTICAST, with named_by_headers False.
    """
    if mtype < C.NLMSG_MIN_TYPE:
        n = C.MESSAGE_TYPES.get(mtype)
        return (n, True) if n and n.startswith("NLMSG_") else (None, False)
    if protocol == C.NETLINK_GENERIC:
        return ("GENL_ID_CTRL", True) if mtype == C.GENL_ID_CTRL else (None, False)
    if protocol != C.NETLINK_ROUTE:
        return None, False
    n = C.MESSAGE_TYPES.get(mtype)
    if n and n.startswith("RTM_"):
        return n, True
    if mtype >= C.RTM_BASE:
        base = C.RTM_BASE + ((mtype - C.RTM_BASE) & ~3)
        for i in range(4):
            sib = C.MESSAGE_TYPES.get(base + i, "")
            if sib.startswith("RTM_" + _VERBS[i]):
                return "RTM_" + _VERBS[mtype - base] + sib[len("RTM_" + _VERBS[i]):], False
    return None, False


def object_family(mtype: int) -> tuple[str, L.Layout, str] | None:
    """`codec.rtnl.family`, also for the types newer than the headers whose layout is known.

    MULTICAST and ANYCAST messages (RTM_NEWMULTICAST... newer than the 6.1
    headers) carry an ifaddrmsg and IFA_ attributes: inet6_fill_ifmcaddr /
    inet6_fill_ifacaddr (net/ipv6/addrconf.c) and inet_fill_ifmcaddr (net/ipv4/igmp.c).
    """
    fam = rtnl.family(mtype)
    if fam is not None:
        return fam
    name, _ = type_name(mtype)
    if name and name.endswith(("MULTICAST", "ANYCAST")):
        return ("multicast" if name.endswith("MULTICAST") else "anycast"), L.IFADDRMSG, "IFA_UNSPEC"
    return None


__all__ = ["object_family", "type_name"]
