"""Route attributes (RTA_*) and route metrics (RTAX_*).

Filled by rt_fill_info (net/ipv4/route.c: `ip route get` replies),
fib_dump_info / fib_nexthop_info (net/ipv4/fib_semantics.c, fib_nh_common),
rt6_fill_node (net/ipv6/route.c), mr_fill_mroute (net/ipv4/ipmr_base.c:
multicast routes); parsed through rtm_ipv4_policy (net/ipv4/fib_frontend.c)
and rtm_ipv6_policy (net/ipv6/route.c).  RTA_DST / RTA_SRC / RTA_GATEWAY read
as addresses by length: 4 or 16 bytes (an MPLS route's 4-byte label shows as
an IPv4 address; MPLS is not built into the kernels this suite runs on).
"""
from __future__ import annotations

from functools import partial

from .. import layouts
from .lwtunnel import ENCAP_SPACES, ENCAP_TYPES
from .model import Field, Space

_ALL = "net/ipv4/fib_semantics.c, net/ipv4/route.c, net/ipv6/route.c"
_V4 = "net/ipv4/route.c"
_V6 = "net/ipv6/route.c"
_f = partial(Field, source=_ALL)

# struct rta_mfc_stats (include/uapi/linux/rtnetlink.h): not declared in the cffi build
RTA_MFC_STATS_FIELDS = (("mfcs_packets", "u64"), ("mfcs_bytes", "u64"), ("mfcs_wrong_if", "u64"))
# struct rtvia: a family, then the address (2 + 4 or 2 + 16 bytes); 'ip' as the last field takes the rest
RTVIA_FIELDS = (("rtvia_family", "u16"), ("rtvia_addr", "ip"))

ROUTE = Space("route", "RTA", header_enum="RTA_UNSPEC", source=_ALL, fields=(
    _f(1, "RTA_DST", "ip"),
    _f(2, "RTA_SRC", "ip"),
    _f(3, "RTA_IIF", "u32"),                      # nla_put_u32(RTA_IIF, ifindex)
    _f(4, "RTA_OIF", "u32"),
    _f(5, "RTA_GATEWAY", "ip"),                   # nla_put_in_addr / nla_put_in6_addr
    _f(6, "RTA_PRIORITY", "u32"),
    _f(7, "RTA_PREFSRC", "ip"),
    _f(8, "RTA_METRICS", "nest", space="route-metrics"),  # rtnetlink_put_metrics
    # an array of struct rtnexthop, each followed by its own RTA_* attributes:
    # codec/multipath.py parses it (the one parser), so the table keeps it as bytes
    _f(9, "RTA_MULTIPATH", "binary"),
    Field(10, "RTA_PROTOINFO", "binary", source="include/uapi/linux/rtnetlink.h"),  # no longer used
    _f(11, "RTA_FLOW", "u32"),                    # nla_put_u32(RTA_FLOW, tclassid)
    _f(12, "RTA_CACHEINFO", "struct", layout=layouts.RTA_CACHEINFO),  # rtnl_put_cacheinfo (net/core/rtnetlink.c)
    Field(13, "RTA_SESSION", "binary", source="include/uapi/linux/rtnetlink.h"),    # no longer used
    Field(14, "RTA_MP_ALGO", "binary", source="include/uapi/linux/rtnetlink.h"),    # no longer used
    _f(15, "RTA_TABLE", "u32"),
    _f(16, "RTA_MARK", "u32"),
    Field(17, "RTA_MFC_STATS", "struct", fields=RTA_MFC_STATS_FIELDS, source="net/ipv4/ipmr_base.c"),
    Field(18, "RTA_VIA", "struct", fields=RTVIA_FIELDS, source="net/ipv4/fib_semantics.c"),  # fib_nexthop_info
    Field(19, "RTA_NEWDST", "array", elem="be32", source="net/mpls/af_mpls.c"),  # nla_put_labels
    Field(20, "RTA_PREF", "u8", source=_V6),       # nla_put_u8(RTA_PREF, IPV6_EXTRACT_PREF)
    Field(21, "RTA_ENCAP_TYPE", "u16", source="net/core/lwtunnel.c", enum=ENCAP_TYPES),  # nla_put_u16
    Field(22, "RTA_ENCAP", "submsg", source="net/core/lwtunnel.c", selector="RTA_ENCAP_TYPE", spaces=ENCAP_SPACES),
    # u32 in IPv6 requests (rtm_to_fib6_config: nla_get_u32), u64 in multicast route replies
    # (mr_fill_mroute: nla_put_u64_64bit)
    Field(23, "RTA_EXPIRES", "uint", source="net/ipv6/route.c, net/ipv4/ipmr_base.c"),
    _f(24, "RTA_PAD", "binary"),
    _f(25, "RTA_UID", "u32"),                     # nla_put_u32(from_kuid(fl4->flowi4_uid))
    Field(26, "RTA_TTL_PROPAGATE", "u8", source="net/mpls/af_mpls.c"),
    Field(27, "RTA_IP_PROTO", "u8", source=_V4 + ", " + _V6),  # nla_get_u8 (rtm_getroute_parse_ip_proto)
    Field(28, "RTA_SPORT", "be16", source=_V4 + ", " + _V6),   # inet_rtm_getroute: nla_get_be16
    Field(29, "RTA_DPORT", "be16", source=_V4 + ", " + _V6),
    _f(30, "RTA_NH_ID", "u32"),                   # nla_put_u32(RTA_NH_ID, nh->id)
))

_M = "net/core/rtnetlink.c"


def _metric(num: int, name: str) -> Field:
    return Field(num, name, "u32", source=_M)


METRICS = Space("route-metrics", "RTAX", header_enum="RTAX_UNSPEC", source=_M, fields=(
    _metric(1, "RTAX_LOCK"),         # bit mask of locked metrics (1 << RTAX_*)
    _metric(2, "RTAX_MTU"),
    _metric(3, "RTAX_WINDOW"),
    _metric(4, "RTAX_RTT"),
    _metric(5, "RTAX_RTTVAR"),
    _metric(6, "RTAX_SSTHRESH"),
    _metric(7, "RTAX_CWND"),
    _metric(8, "RTAX_ADVMSS"),
    _metric(9, "RTAX_REORDERING"),
    _metric(10, "RTAX_HOPLIMIT"),
    _metric(11, "RTAX_INITCWND"),
    _metric(12, "RTAX_FEATURES"),    # RTAX_FEATURE_* bits
    _metric(13, "RTAX_RTO_MIN"),
    _metric(14, "RTAX_INITRWND"),
    _metric(15, "RTAX_QUICKACK"),
    Field(16, "RTAX_CC_ALGO", "string", source=_M),  # nla_put_string(tcp_ca_get_name_by_key)
    _metric(17, "RTAX_FASTOPEN_NO_COOKIE"),
))

SPACES: tuple[Space, ...] = (ROUTE, METRICS)

__all__ = ["METRICS", "ROUTE", "RTA_MFC_STATS_FIELDS", "RTVIA_FIELDS", "SPACES"]
