"""The kernel's tools/testing/selftests/net/nl_nlctrl.py behaviours, reimplemented with netlink_probe.

The generic netlink controller publishes each family's operations with their flags (ctrl_fill_info:
CTRL_ATTR_OPS, one nest per op with CTRL_ATTR_OP_ID and CTRL_ATTR_OP_FLAGS = GENL_ADMIN_PERM,
GENL_CMD_CAP_DO/DUMP/HASPOL, GENL_UNS_ADMIN_PERM) and, per operation, its attribute policies
(ctrl_dumppolicy with CTRL_ATTR_OP: CTRL_ATTR_OP_POLICY {op: {CTRL_ATTR_POLICY_DO, _DUMP: policy index}}
and CTRL_ATTR_POLICY {index: {attribute: {NL_POLICY_TYPE_ATTR_TYPE, ...}}}, netlink_policy_dump_write).
Families a kernel lacks (netdev is 6.3+, its qstats-get 6.10+, napi-set 6.13+) skip, named.
"""
from __future__ import annotations

import pytest
from support.expect import expect

from netlink_probe import KernelError, Socket
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L

HDR = L.GENLMSGHDR.size
CAPS = {C.GENL_ADMIN_PERM: "admin-perm", C.GENL_CMD_CAP_DO: "do", C.GENL_CMD_CAP_DUMP: "dump",
        C.GENL_CMD_CAP_HASPOL: "haspol", C.GENL_UNS_ADMIN_PERM: "uns-admin-perm"}
NETDEV_DEV_GET, NETDEV_QSTATS_GET, NETDEV_NAPI_SET = 1, 12, 14  # netdev.yaml
NETDEV_NTF_ONLY = (2, 3, 4, 6, 7, 8)  # dev-add/del/change-ntf, page-pool-*-ntf: no do, no dump
ETHTOOL_STRSET_GET, ETHTOOL_LINKINFO_SET = 1, 3  # ethtool_netlink.h ETHTOOL_MSG_*


def op_flags(netns, family: str) -> dict[int, set[str]]:
    """CTRL_CMD_GETFAMILY (do) of *family*: command id -> the flag names; skip when the family is absent."""
    with Socket(C.NETLINK_GENERIC, netns=netns) as g:
        try:
            (m,) = [m for m in g.request(C.GENL_ID_CTRL, 0, L.GENLMSGHDR.pack(cmd=C.CTRL_CMD_GETFAMILY, version=1)
                                         + A.string(C.CTRL_ATTR_FAMILY_NAME, family)) if m.type == C.GENL_ID_CTRL]
        except KernelError as e:
            pytest.skip(f"no generic netlink family {family!r} here: CTRL_CMD_GETFAMILY answered {e.errno_name}")
    out: dict[int, set[str]] = {}
    for item in m.attrs(HDR).nested(C.CTRL_ATTR_OPS) or ():
        op = item.nested()
        flags = op.u32(C.CTRL_ATTR_OP_FLAGS, 0)
        out[op.u32(C.CTRL_ATTR_OP_ID)] = {name for bit, name in CAPS.items() if flags & bit}
    return out


def op_policy(netns, family: str, cmd: int) -> dict[str, dict[int, int] | None]:
    """CTRL_CMD_GETPOLICY dump with CTRL_ATTR_OP: {'do'|'dump': {attribute: NL_ATTR_TYPE_*} or None (no policy)}."""
    payload = L.GENLMSGHDR.pack(cmd=C.CTRL_CMD_GETPOLICY, version=1)
    payload += A.string(C.CTRL_ATTR_FAMILY_NAME, family) + A.u32(C.CTRL_ATTR_OP, cmd)
    indexes: dict[str, int] = {}
    policies: dict[int, dict[int, int]] = {}
    with Socket(C.NETLINK_GENERIC, netns=netns) as g:
        for m in g.dump(C.GENL_ID_CTRL, payload).all():
            a = m.attrs(HDR)
            for op in a.nested(C.CTRL_ATTR_OP_POLICY) or ():
                which = op.nested()
                for key, attr in (("do", C.CTRL_ATTR_POLICY_DO), ("dump", C.CTRL_ATTR_POLICY_DUMP)):
                    if which.u32(attr) is not None:
                        indexes[key] = which.u32(attr)
            for pol in a.nested(C.CTRL_ATTR_POLICY) or ():
                table = policies.setdefault(pol.type, {})
                for attr in pol.nested():
                    table[attr.type] = attr.nested().u32(C.NL_POLICY_TYPE_ATTR_TYPE)
    return {key: (policies.get(indexes[key], {}) if key in indexes else None) for key in ("do", "dump")}


# -- getfamily_do: per-operation flags ---------------------------------------------------------------------------
def test_nlctrl_lists_its_own_ops_with_do_dump_and_policy_flags(netns, observe):
    """ctrl_fill_info: GETFAMILY is do+dump, GETPOLICY dump-only, both with a policy (genl_ctrl ops)."""
    ops = op_flags(netns, "nlctrl")
    observe("selftest.nlctrl.ops.nlctrl", sorted(f"{cmd}:{'+'.join(sorted(f))}" for cmd, f in ops.items()))
    assert ops[C.CTRL_CMD_GETFAMILY] == {"do", "dump", "haspol"}
    assert ops[C.CTRL_CMD_GETPOLICY] == {"dump", "haspol"}


def test_netdev_dev_get_is_do_and_dump_and_every_op_has_a_policy(netns, observe):
    """ctrl_fill_info over netdev's split ops (genl_op_iter): dev-get has do and dump; every op HASPOL."""
    ops = op_flags(netns, "netdev")
    observe("selftest.nlctrl.ops.netdev.dev_get", sorted(ops[NETDEV_DEV_GET]))
    assert {"do", "dump"} <= ops[NETDEV_DEV_GET]
    assert all("haspol" in f for f in ops.values())


def test_netdev_notification_only_commands_are_not_listed_as_ops(netns, observe):
    """genl_op_iter walks only ops with a doit or dumpit: the *-ntf command ids never appear."""
    ops = op_flags(netns, "netdev")
    listed = sorted(set(NETDEV_NTF_ONLY) & set(ops))
    observe("selftest.nlctrl.ops.netdev.ntf_listed", listed or "none")
    assert listed == []


@pytest.mark.parametrize("cmd,want", [(NETDEV_QSTATS_GET, {"dump", "haspol"}),
                                      (NETDEV_NAPI_SET, {"do", "haspol", "admin-perm"})],
                         ids=["qstats_get_dump_only", "napi_set_do_only_admin"])
def test_netdev_op_flags(netns, cmd, want, observe):
    """ctrl_fill_info: qstats-get (6.10+) has only a dumpit; napi-set (6.13+) only a doit, GENL_ADMIN_PERM."""
    ops = op_flags(netns, "netdev")
    if cmd not in ops:
        pytest.skip(f"netdev has no command {cmd} on this kernel (ops: {sorted(ops)})")
    observe(f"selftest.nlctrl.ops.netdev.{cmd}", sorted(ops[cmd]))
    assert ops[cmd] == want


# -- getpolicy_dump: per-operation policies ----------------------------------------------------------------------
def test_nlctrl_getfamily_policy_names_family_id_and_name(netns, observe):
    """ctrl_dumppolicy with CTRL_ATTR_OP = GETFAMILY: do and dump share ctrl_policy_family
    (CTRL_ATTR_FAMILY_ID u16, CTRL_ATTR_FAMILY_NAME nul-string)."""
    pol = op_policy(netns, "nlctrl", C.CTRL_CMD_GETFAMILY)
    observe("selftest.nlctrl.policy.nlctrl.getfamily", sorted(f"{k}:{len(v)}" for k, v in pol.items() if v))
    want = {C.CTRL_ATTR_FAMILY_ID: C.NL_ATTR_TYPE_U16, C.CTRL_ATTR_FAMILY_NAME: C.NL_ATTR_TYPE_NUL_STRING}
    assert pol["do"] is not None and want.items() <= pol["do"].items()
    expect(pol["dump"], "selftest.nlctrl.policy.nlctrl.getfamily").since(
        "6.18", pol["do"], unknown_from="6.2",
        why="6.1 lists no CTRL_ATTR_POLICY_DUMP for GETFAMILY (measured; the change lies between)").before(None)


def test_netdev_dev_get_do_policy_has_ifindex_and_its_dump_has_none(netns, observe):
    """netdev split ops: dev-get do uses netdev_dev_get_nl_policy (NETDEV_A_DEV_IFINDEX u32); its dumpit has no
    .policy, and ctrl_dumppolicy_put_op writes CTRL_ATTR_POLICY_DUMP only for one that has (the selftest's
    ynl view shows that as an empty policy)."""
    op_flags(netns, "netdev")  # skips without the family
    pol = op_policy(netns, "netdev", NETDEV_DEV_GET)
    observe("selftest.nlctrl.policy.netdev.dev_get", [len(pol["do"] or {}), "none" if pol["dump"] is None
                                                       else len(pol["dump"])])
    assert pol["do"] is not None and pol["do"].get(1) == C.NL_ATTR_TYPE_U32
    expect(pol["dump"], "selftest.nlctrl.policy.netdev.dev_get.dump").since(
        "7.2", {}, unknown_from="6.19",
        why="sid's 7.2 gives the dumpit a policy with no attributes: CTRL_ATTR_POLICY_DUMP names an empty one "
            "(measured; 6.18 has none)").before(None, why="no .policy on the dumpit: no CTRL_ATTR_POLICY_DUMP")


def test_ethtool_full_ops_share_one_policy_and_a_set_has_no_dump_policy(netns, observe):
    """ethtool full ops (genl_ops with one .policy): strset-get's do and dump name the same policy;
    linkinfo-set has no dumpit, so no CTRL_ATTR_POLICY_DUMP."""
    op_flags(netns, "ethtool")
    strset = op_policy(netns, "ethtool", ETHTOOL_STRSET_GET)
    linkinfo = op_policy(netns, "ethtool", ETHTOOL_LINKINFO_SET)
    observe("selftest.nlctrl.policy.ethtool", [len(strset["do"] or {}), "none" if linkinfo["dump"] is None
                                               else len(linkinfo["dump"])])
    assert strset["do"] and strset["do"] == strset["dump"]
    assert linkinfo["do"] and linkinfo["dump"] is None
