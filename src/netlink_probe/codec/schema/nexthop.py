"""Nexthop-object attributes (NHA_*): RTM_NEWNEXTHOP / RTM_NEWNEXTHOPBUCKET replies.

Filled by nh_fill_node / nla_put_nh_group / nla_put_nh_group_res /
nh_fill_res_bucket (net/ipv4/nexthop.c); parsed through rtm_nh_policy_new /
_get / _dump / _get_bucket.  The build headers (6.1) do not export NHA_*
at all; NHA_OP_FLAGS .. NHA_HW_STATS_USED (14-17) and the group-stats spaces are
newer than 6.1 (6.9 / 6.10): numbers from include/uapi/linux/nexthop.h.
NHA_GROUP is an array of struct nexthop_grp: ``type='array', elem='struct'``
with the struct's ``fields`` (one element per group member).
"""
from __future__ import annotations

from functools import partial

from .lwtunnel import ENCAP_SPACES, ENCAP_TYPES
from .model import Field, Space

_S = "net/ipv4/nexthop.c"
_f = partial(Field, source=_S)

# struct nexthop_grp (include/uapi/linux/nexthop.h; weight_high was resvd1 before 6.12)
NEXTHOP_GRP_FIELDS = (("id", "u32"), ("weight", "u8"), ("weight_high", "u8"), ("resvd2", "u16"))
GROUP_TYPES: dict[int, str] = {0: "mpath", 1: "resilient"}  # NEXTHOP_GRP_TYPE_*

NEXTHOP = Space("nexthop", "NHA", source=_S, fields=(
    _f(1, "NHA_ID", "u32"),
    _f(2, "NHA_GROUP", "array", elem="struct", fields=NEXTHOP_GRP_FIELDS),  # nla_reserve(n * sizeof(*p))
    _f(3, "NHA_GROUP_TYPE", "u16", enum=GROUP_TYPES),
    _f(4, "NHA_BLACKHOLE", "flag"),
    _f(5, "NHA_OIF", "u32"),
    _f(6, "NHA_GATEWAY", "ip"),                  # nla_put_be32 (v4) / nla_put_in6_addr
    _f(7, "NHA_ENCAP_TYPE", "u16", enum=ENCAP_TYPES),  # lwtunnel_fill_encap
    _f(8, "NHA_ENCAP", "submsg", selector="NHA_ENCAP_TYPE", spaces=ENCAP_SPACES),
    _f(9, "NHA_GROUPS", "flag"),                 # dump filter (request)
    _f(10, "NHA_MASTER", "u32"),                 # dump filter (request)
    _f(11, "NHA_FDB", "flag"),
    _f(12, "NHA_RES_GROUP", "nest", space="nexthop-res-group"),
    _f(13, "NHA_RES_BUCKET", "nest", space="nexthop-res-bucket"),
    # newer than the 6.1 headers:
    _f(14, "NHA_OP_FLAGS", "u32"),               # 6.9: NLA_POLICY_MASK(NLA_U32, NHA_OP_FLAGS_DUMP_ALL)
    _f(15, "NHA_GROUP_STATS", "nest", space="nexthop-group-stats"),  # 6.9
    _f(16, "NHA_HW_STATS_ENABLE", "u32"),        # 6.10: nla_put_u32
    _f(17, "NHA_HW_STATS_USED", "u32"),          # 6.10: nla_put_u32
))

RES_GROUP = Space("nexthop-res-group", "NHA_RES_GROUP", source=_S, fields=(
    _f(0, "NHA_RES_GROUP_PAD", "binary"),        # = NHA_RES_GROUP_UNSPEC
    _f(1, "NHA_RES_GROUP_BUCKETS", "u16"),
    _f(2, "NHA_RES_GROUP_IDLE_TIMER", "u32"),    # clock_t
    _f(3, "NHA_RES_GROUP_UNBALANCED_TIMER", "u32"),
    _f(4, "NHA_RES_GROUP_UNBALANCED_TIME", "u64"),  # nla_put_u64_64bit
))

RES_BUCKET = Space("nexthop-res-bucket", "NHA_RES_BUCKET", source=_S, fields=(
    _f(0, "NHA_RES_BUCKET_PAD", "binary"),       # = NHA_RES_BUCKET_UNSPEC
    _f(1, "NHA_RES_BUCKET_INDEX", "u16"),
    _f(2, "NHA_RES_BUCKET_IDLE_TIME", "u64"),    # nla_put_u64_64bit
    _f(3, "NHA_RES_BUCKET_NH_ID", "u32"),
))

GROUP_STATS = Space("nexthop-group-stats", "NHA_GROUP_STATS", source=_S, fields=(
    _f(1, "NHA_GROUP_STATS_ENTRY", "nest", space="nexthop-group-stats-entry"),  # one per member, repeated
))

GROUP_STATS_ENTRY = Space("nexthop-group-stats-entry", "NHA_GROUP_STATS_ENTRY", source=_S, fields=(
    _f(1, "NHA_GROUP_STATS_ENTRY_ID", "u32"),
    _f(2, "NHA_GROUP_STATS_ENTRY_PACKETS", "uint"),     # nla_put_uint
    _f(3, "NHA_GROUP_STATS_ENTRY_PACKETS_HW", "uint"),  # 6.10
))

SPACES: tuple[Space, ...] = (NEXTHOP, RES_GROUP, RES_BUCKET, GROUP_STATS, GROUP_STATS_ENTRY)

__all__ = ["GROUP_STATS", "GROUP_STATS_ENTRY", "GROUP_TYPES", "NEXTHOP", "NEXTHOP_GRP_FIELDS", "RES_BUCKET",
           "RES_GROUP", "SPACES"]
