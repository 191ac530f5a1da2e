"""Policy-routing rule attributes (FRA_*).

Filled by fib_nl_fill_rule (net/core/fib_rules.c) with the family parts from
fib4_rule_fill (net/ipv4/fib_rules.c) and fib6_rule_fill
(net/ipv6/fib6_rules.c); parsed through fib_rule_policy.  Numbers 25-30
(FRA_DSCP ... FRA_DSCP_MASK) are newer than the 6.1 build headers: name and
number from include/uapi/linux/fib_rules.h of 6.13-6.15 kernels.
"""
from __future__ import annotations

from functools import partial

from .model import Field, Space

_C = "net/core/fib_rules.c"
_FAM = "net/ipv4/fib_rules.c, net/ipv6/fib6_rules.c"
_c = partial(Field, source=_C)
_fam = partial(Field, source=_FAM)

# struct fib_rule_uid_range / fib_rule_port_range (include/uapi/linux/fib_rules.h): not in the cffi build
UID_RANGE_FIELDS = (("start", "u32"), ("end", "u32"))
PORT_RANGE_FIELDS = (("start", "u16"), ("end", "u16"))

RULE = Space("rule", "FRA", header_enum="FRA_UNSPEC", source=_C, fields=(
    _fam(1, "FRA_DST", "ip"),                   # nla_put_in_addr / nla_put_in6_addr
    _fam(2, "FRA_SRC", "ip"),
    _c(3, "FRA_IIFNAME", "string"),
    _c(4, "FRA_GOTO", "u32"),
    _c(5, "FRA_UNUSED2", "binary"),
    _c(6, "FRA_PRIORITY", "u32"),
    _c(7, "FRA_UNUSED3", "binary"),
    _c(8, "FRA_UNUSED4", "binary"),
    _c(9, "FRA_UNUSED5", "binary"),
    _c(10, "FRA_FWMARK", "u32"),
    Field(11, "FRA_FLOW", "u32", source="net/ipv4/fib_rules.c"),  # nla_put_u32(tclassid)
    _c(12, "FRA_TUN_ID", "be64"),               # nla_put_be64(rule->tun_id)
    _c(13, "FRA_SUPPRESS_IFGROUP", "u32"),
    _c(14, "FRA_SUPPRESS_PREFIXLEN", "u32"),
    _c(15, "FRA_TABLE", "u32"),
    _c(16, "FRA_FWMASK", "u32"),
    _c(17, "FRA_OIFNAME", "string"),
    _c(18, "FRA_PAD", "binary"),
    _c(19, "FRA_L3MDEV", "u8"),
    _c(20, "FRA_UID_RANGE", "struct", fields=UID_RANGE_FIELDS),   # nla_put(sizeof(out))
    _c(21, "FRA_PROTOCOL", "u8"),
    _c(22, "FRA_IP_PROTO", "u8"),
    _c(23, "FRA_SPORT_RANGE", "struct", fields=PORT_RANGE_FIELDS),
    _c(24, "FRA_DPORT_RANGE", "struct", fields=PORT_RANGE_FIELDS),
    # newer than the 6.1 headers:
    _fam(25, "FRA_DSCP", "u8"),                 # 6.13: nla_put_u8(inet_dscp_to_dsfield(dscp) >> 2)
    Field(26, "FRA_FLOWLABEL", "be32", source="net/ipv6/fib6_rules.c"),       # 6.14: nla_put_be32
    Field(27, "FRA_FLOWLABEL_MASK", "be32", source="net/ipv6/fib6_rules.c"),  # 6.14
    _c(28, "FRA_SPORT_MASK", "u16"),            # 6.15: nla_put_u16
    _c(29, "FRA_DPORT_MASK", "u16"),            # 6.15
    _fam(30, "FRA_DSCP_MASK", "u8"),            # 6.15: nla_put_u8
))

SPACES: tuple[Space, ...] = (RULE,)

__all__ = ["PORT_RANGE_FIELDS", "RULE", "SPACES", "UID_RANGE_FIELDS"]
