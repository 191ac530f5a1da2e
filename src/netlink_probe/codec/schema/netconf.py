"""Per-device configuration attributes (NETCONFA_*): RTM_NEWNETCONF replies and notifications.

Filled by inet_netconf_fill_devconf (net/ipv4/devinet.c) and
inet6_netconf_fill_devconf (net/ipv6/addrconf.c): every value with
nla_put_s32.  NETCONFA_FORCE_FORWARDING (9, IPv6 only) is newer than the 6.1
build headers: number from include/uapi/linux/netconf.h of 6.17.
"""
from __future__ import annotations

from functools import partial

from .model import Field, Space

_BOTH = "net/ipv4/devinet.c, net/ipv6/addrconf.c"
_f = partial(Field, source=_BOTH)

# NETCONFA_IFINDEX_ALL / NETCONFA_IFINDEX_DEFAULT: the 'all' and 'default' devconf
IFINDEX_NAMES: dict[int, str] = {-1: "all", -2: "default"}

NETCONF = Space("netconf", "NETCONFA", source=_BOTH, fields=(
    _f(1, "NETCONFA_IFINDEX", "s32", enum=IFINDEX_NAMES),
    _f(2, "NETCONFA_FORWARDING", "s32"),
    _f(3, "NETCONFA_RP_FILTER", "s32"),
    _f(4, "NETCONFA_MC_FORWARDING", "s32"),
    _f(5, "NETCONFA_PROXY_NEIGH", "s32"),
    _f(6, "NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN", "s32"),
    Field(7, "NETCONFA_INPUT", "s32", source="net/ipv4/devinet.c"),  # MPLS puts it too (net/mpls/af_mpls.c)
    Field(8, "NETCONFA_BC_FORWARDING", "s32", source="net/ipv4/devinet.c"),
    Field(9, "NETCONFA_FORCE_FORWARDING", "s32", source="net/ipv6/addrconf.c"),  # newer than the headers (6.17)
))

SPACES: tuple[Space, ...] = (NETCONF,)

__all__ = ["IFINDEX_NAMES", "NETCONF", "SPACES"]
