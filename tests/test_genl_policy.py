"""genl_policy's parsers on captured kernel bytes (6.18, nlctrl): a policy dump, a family's ops, an extack policy."""
from __future__ import annotations

import pytest
from captured import datagrams

from netlink_probe import codec
from netlink_probe import constants as C
from netlink_probe.genl_policy import AttrPolicy, Operation, parse_attr_policy, parse_ops, parse_policy_dump

# tests/data/genl_policy_nlctrl.hex, one datagram a line: [0] the CTRL_CMD_GETPOLICY dump of nlctrl,
# [1] its NLMSG_DONE, [2] CTRL_CMD_GETFAMILY nlctrl, [3] the refusal of a 2-byte CTRL_ATTR_OP (extack + policy)
DUMP, DONE, FAMILY, REFUSAL = datagrams("genl_policy_nlctrl")


def messages(*raw: bytes) -> list[codec.Message]:
    return [m for d in raw for m in codec.parse(d)]


def test_policy_dump_parses_into_policies_and_op_indexes():
    pol = parse_policy_dump(messages(DUMP, DONE))
    assert pol.family_id == C.GENL_ID_CTRL
    assert pol.policies[0] == {C.CTRL_ATTR_FAMILY_ID: AttrPolicy("u16", 0, 0xFFFF),
                               C.CTRL_ATTR_FAMILY_NAME: AttrPolicy("nul_string", max_length=15)}
    assert pol.policies[1][C.CTRL_ATTR_OP] == AttrPolicy("u32", 0, 0xFFFFFFFF)
    # getfamily has a do and a dump policy; getpolicy (dump only) is listed as op 0 on 6.2+ kernels
    assert pol.ops == {C.CTRL_CMD_GETFAMILY: (0, 0), 0: (None, 1)}
    assert pol.op_policy(C.CTRL_CMD_GETFAMILY) == pol.policies[0]
    assert pol.op_policy(C.CTRL_CMD_GETFAMILY, dump=True) == pol.policies[0]
    assert pol.op_policy(99) is None


def test_policy_tree_inlines_nested_policies_without_indexes():
    pol = parse_policy_dump(messages(DUMP))
    assert pol.tree(1) == {1: ("u16 0..65535", None), 2: ("nul_string len..15", None), 10: ("u32 0..4294967295", None)}


def test_ops_carry_their_flags():
    (m,) = messages(FAMILY)
    ops = parse_ops(m)
    assert set(ops) == {C.CTRL_CMD_GETFAMILY, C.CTRL_CMD_GETPOLICY}
    get = ops[C.CTRL_CMD_GETFAMILY]
    assert (get.do, get.dump, get.has_policy, get.admin_perm, get.uns_admin_perm) == (True, True, True, False, False)
    assert ops[C.CTRL_CMD_GETPOLICY].flag_names() == ["dump", "haspol"]


def test_extack_policy_tlvs_parse_like_a_dump_entry():
    (m,) = messages(REFUSAL)
    info = codec.parse_error(m)
    assert info.errno_name == "EINVAL" and info.extack.msg == "invalid attribute length"
    assert parse_attr_policy(info.extack.policy) == AttrPolicy("u32", 0, 0xFFFFFFFF)


@pytest.mark.parametrize("flags,names", [(C.GENL_ADMIN_PERM | C.GENL_CMD_CAP_DO, ["admin_perm", "do"]),
                                         (C.GENL_UNS_ADMIN_PERM | 0x400, ["uns_admin_perm", "0x400"])])
def test_flag_names_keep_unknown_bits(flags, names):
    assert Operation(1, flags).flag_names() == names


def test_attr_policy_summaries_and_unknown_types():
    assert AttrPolicy("s32", -5, 5).summary() == "s32 -5..5" and AttrPolicy("s32", -5, 5).signed
    assert AttrPolicy("binary", min_length=16, max_length=16).summary() == "binary len16..16"
    assert AttrPolicy("nested", nested_policy=3, nested_maxtype=4).summary() == "nested p3 max 4"
    assert parse_attr_policy({1: (99).to_bytes(4, "little")}).type == "type99"
    assert parse_attr_policy({}).type == "unknown"
    assert parse_attr_policy({1: (16).to_bytes(4, "little"), 2: (-3).to_bytes(8, "little", signed=True)}) \
        == AttrPolicy("sint", min_value=-3)
