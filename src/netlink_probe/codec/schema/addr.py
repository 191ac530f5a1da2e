"""Address attributes (IFA_*): RTM_NEWADDR replies, and the RTM_GETMULTICAST / RTM_GETANYCAST dumps.

Filled by inet_fill_ifaddr (net/ipv4/devinet.c) and inet6_fill_ifaddr /
inet6_fill_ifmcaddr / inet6_fill_ifacaddr (net/ipv6/addrconf.c); parsed
through ifa_ipv4_policy / ifa_ipv6_policy.
"""
from __future__ import annotations

from functools import partial

from .. import layouts
from .model import Field, Space

_BOTH = "net/ipv4/devinet.c, net/ipv6/addrconf.c"
_f = partial(Field, source=_BOTH)

ADDR = Space("addr", "IFA", header_enum="IFA_UNSPEC", source=_BOTH, fields=(
    _f(1, "IFA_ADDRESS", "ip"),
    _f(2, "IFA_LOCAL", "ip"),
    Field(3, "IFA_LABEL", "string", source="net/ipv4/devinet.c"),  # nla_put_string(ifa_label)
    Field(4, "IFA_BROADCAST", "ip", source="net/ipv4/devinet.c"),  # nla_put_in_addr
    Field(5, "IFA_ANYCAST", "ip", source="net/ipv6/addrconf.c"),   # inet6_fill_ifacaddr: nla_put_in6_addr
    _f(6, "IFA_CACHEINFO", "struct", layout=layouts.IFA_CACHEINFO),  # put_cacheinfo: nla_put(sizeof ci)
    Field(7, "IFA_MULTICAST", "ip", source="net/ipv6/addrconf.c"),  # inet6_fill_ifmcaddr: nla_put_in6_addr
    _f(8, "IFA_FLAGS", "u32"),             # nla_put_u32(IFA_FLAGS, ifa_flags)
    _f(9, "IFA_RT_PRIORITY", "u32"),       # nla_put_u32 (only when set)
    _f(10, "IFA_TARGET_NETNSID", "s32"),   # nla_put_s32(args->netnsid)
    _f(11, "IFA_PROTO", "u8"),             # nla_put_u8(ifa_proto)
))

SPACES: tuple[Space, ...] = (ADDR,)

__all__ = ["ADDR", "SPACES"]
