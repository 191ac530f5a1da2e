"""``ip monitor``'s conventions: the groups it joins by default and its timestamps.

`DEFAULT_GROUPS` are the rtnetlink groups ``ip monitor`` (no object named,
no ``-family``) listens to: ip/ipmonitor.c ``do_ipmonitor`` with
``lmask = IPMON_L_ALL``: link, addresses, routes (IPv4, IPv6, MPLS),
multicast routes, IPv6 prefixes, neighbours, netconf (IPv4, IPv6, MPLS),
rules, nsid, and -- through NETLINK_ADD_MEMBERSHIP -- nexthop (32) and stats
(36).  ip tolerates the kernel refusing stats unless it was asked for; a
group missing from a kernel is likewise left out by the caller.

`timestamp` is ``ip -t monitor``'s line and `timestamp_short` ``ip -ts
monitor``'s prefix (lib/utils.c print_timestamp), in local time.
"""
from __future__ import annotations

import time

from .. import constants as C

__all__ = ["DEFAULT_GROUPS", "default_groups", "timestamp", "timestamp_short"]

DEFAULT_GROUPS = ("RTNLGRP_LINK", "RTNLGRP_IPV4_IFADDR", "RTNLGRP_IPV6_IFADDR", "RTNLGRP_IPV4_ROUTE",
                  "RTNLGRP_IPV6_ROUTE", "RTNLGRP_MPLS_ROUTE", "RTNLGRP_IPV4_MROUTE", "RTNLGRP_IPV6_MROUTE",
                  "RTNLGRP_IPV6_PREFIX", "RTNLGRP_NEIGH", "RTNLGRP_IPV4_NETCONF", "RTNLGRP_IPV6_NETCONF",
                  "RTNLGRP_MPLS_NETCONF", "RTNLGRP_IPV4_RULE", "RTNLGRP_IPV6_RULE", "RTNLGRP_NSID",
                  "RTNLGRP_NEXTHOP", "RTNLGRP_STATS")


def default_groups() -> list[int]:
    """The numbers of `DEFAULT_GROUPS` that the UAPI headers the binding was built with name, ascending."""
    return sorted(getattr(C, name) for name in DEFAULT_GROUPS if hasattr(C, name))


def timestamp(ns: int | None = None) -> str:
    """``ip -t monitor``'s line: 'Timestamp: Mon Nov 30 13:15:29 2026 745367 usec' (*ns*: time.time_ns())."""
    ns = time.time_ns() if ns is None else ns
    sec, usec = divmod(ns // 1000, 1_000_000)
    return f"Timestamp: {time.asctime(time.localtime(sec))} {usec} usec"


def timestamp_short(ns: int | None = None) -> str:
    """``ip -ts monitor``'s prefix: '[2026-11-30T13:15:29.745367] ' (*ns*: time.time_ns())."""
    ns = time.time_ns() if ns is None else ns
    sec, usec = divmod(ns // 1000, 1_000_000)
    return f"[{time.strftime('%Y-%m-%dT%H:%M:%S', time.localtime(sec))}.{usec:06d}] "
