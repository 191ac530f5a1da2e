"""Generic netlink controller attributes (CTRL_ATTR_*, NL_POLICY_TYPE_ATTR_*).

Filled by ctrl_fill_info / ctrl_dumppolicy (net/netlink/genetlink.c) and
netlink_policy_dump_write / __netlink_policy_dump_write_attr
(net/netlink/policy.c).  CTRL_ATTR_POLICY nests twice by number: policy index
-> attribute type -> NL_POLICY_TYPE_ATTR_*; its Field says so with
``type='nest-array'`` and ``elem='nest-array'`` (each entry is itself a
numbered array of 'genl-policy-attr' nests).  CTRL_ATTR_OP_POLICY nests once:
command -> CTRL_ATTR_POLICY_DO / _DUMP.
"""
from __future__ import annotations

from functools import partial

from .model import Field, Space

_G = "net/netlink/genetlink.c"
_P = "net/netlink/policy.c"
_g = partial(Field, source=_G)
_p = partial(Field, source=_P)

CTRL = Space("genl-ctrl", "CTRL_ATTR", header_enum="CTRL_ATTR_UNSPEC", source=_G, fields=(
    _g(1, "CTRL_ATTR_FAMILY_ID", "u16"),         # nla_put_u16
    _g(2, "CTRL_ATTR_FAMILY_NAME", "string"),
    _g(3, "CTRL_ATTR_VERSION", "u32"),
    _g(4, "CTRL_ATTR_HDRSIZE", "u32"),
    _g(5, "CTRL_ATTR_MAXATTR", "u32"),
    _g(6, "CTRL_ATTR_OPS", "nest-array", space="genl-op"),             # entries numbered 1..
    _g(7, "CTRL_ATTR_MCAST_GROUPS", "nest-array", space="genl-mcast-grp"),
    _g(8, "CTRL_ATTR_POLICY", "nest-array", elem="nest-array", space="genl-policy-attr"),
    _g(9, "CTRL_ATTR_OP_POLICY", "nest-array", space="genl-op-policy"),  # by command number
    _g(10, "CTRL_ATTR_OP", "u32"),                # request: ctrl_policy NLA_U32
))

OP = Space("genl-op", "CTRL_ATTR_OP", header_enum="CTRL_ATTR_OP_UNSPEC", source=_G, fields=(
    _g(1, "CTRL_ATTR_OP_ID", "u32"),
    _g(2, "CTRL_ATTR_OP_FLAGS", "u32"),
))

MCAST_GRP = Space("genl-mcast-grp", "CTRL_ATTR_MCAST_GRP", header_enum="CTRL_ATTR_MCAST_GRP_UNSPEC", source=_G,
                  fields=(
    _g(1, "CTRL_ATTR_MCAST_GRP_NAME", "string"),
    _g(2, "CTRL_ATTR_MCAST_GRP_ID", "u32"),
))

OP_POLICY = Space("genl-op-policy", "CTRL_ATTR_POLICY", header_enum="CTRL_ATTR_POLICY_UNSPEC", source=_G, fields=(
    _g(1, "CTRL_ATTR_POLICY_DO", "u32"),          # policy index (netlink_policy_dump_get_policy_idx)
    _g(2, "CTRL_ATTR_POLICY_DUMP", "u32"),
))

POLICY_ATTR = Space("genl-policy-attr", "NL_POLICY_TYPE_ATTR", header_enum="NL_POLICY_TYPE_ATTR_UNSPEC",
                    source=_P, fields=(
    _p(1, "NL_POLICY_TYPE_ATTR_TYPE", "u32"),          # NL_ATTR_TYPE_*
    _p(2, "NL_POLICY_TYPE_ATTR_MIN_VALUE_S", "s64"),   # nla_put_s64
    _p(3, "NL_POLICY_TYPE_ATTR_MAX_VALUE_S", "s64"),
    _p(4, "NL_POLICY_TYPE_ATTR_MIN_VALUE_U", "u64"),   # nla_put_u64_64bit
    _p(5, "NL_POLICY_TYPE_ATTR_MAX_VALUE_U", "u64"),
    _p(6, "NL_POLICY_TYPE_ATTR_MIN_LENGTH", "u32"),
    _p(7, "NL_POLICY_TYPE_ATTR_MAX_LENGTH", "u32"),
    _p(8, "NL_POLICY_TYPE_ATTR_POLICY_IDX", "u32"),
    _p(9, "NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE", "u32"),
    _p(10, "NL_POLICY_TYPE_ATTR_BITFIELD32_MASK", "u32"),
    _p(11, "NL_POLICY_TYPE_ATTR_PAD", "binary"),
    _p(12, "NL_POLICY_TYPE_ATTR_MASK", "u64"),         # nla_put_u64_64bit
))

SPACES: tuple[Space, ...] = (CTRL, OP, MCAST_GRP, OP_POLICY, POLICY_ATTR)

__all__ = ["CTRL", "MCAST_GRP", "OP", "OP_POLICY", "POLICY_ATTR", "SPACES"]
