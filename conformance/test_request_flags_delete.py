"""NLM_F_BULK and NLM_F_NONREC on delete requests, per object.

rtnetlink_rcv_msg (net/core/rtnetlink.c, v5.19+): a RTNL_KIND_DEL request with NLM_F_BULK whose
handler was not registered with RTNL_FLAG_BULK_DEL_SUPPORTED is refused before it runs: EOPNOTSUPP,
"Bulk delete is not supported".  Only rtnl_fdb_del (PF_BRIDGE RTM_DELNEIGH, the fdb flush) is, and
it hands a bulk request to the device's ndo_fdb_del_bulk (a bridge with NTF_SELF: br_fdb_delete_bulk).
NLM_F_NONREC (0x100, "do not delete recursively") is read only by tc: every rtnetlink delete ignores it.
Recorded as ``flags.<object>.delete.<bulk|nonrec>`` = errno or "ok", ``flags.fdb.delete.bulk[_no_self]``.
"""
from __future__ import annotations

import pytest
from support.expect import expect
from support.flags_matrix import ACK, FLAG_SETS, OBJECTS, exchange, object_params, scene

from netlink_probe import Socket, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import layouts as L

BULK_REFUSED = ["EOPNOTSUPP", "Bulk delete is not supported"]


def delete_with(netns, rt, obj: str, flag: int) -> tuple[list[str], bool]:
    """Create *obj*, delete it with *flag*: [outcome, extack message], and whether it is gone."""
    kind, ifindex = OBJECTS[obj], scene(rt)
    assert kind.del_type is not None
    with Socket(netns=netns) as s:
        created = exchange(s, kind.new_type, ACK | FLAG_SETS["create_excl"], kind.payload(ifindex), seq=1)
        assert created.outcome == "ok", f"creating the {obj}: {created.outcome}"
        answer = exchange(s, kind.del_type, ACK | flag, kind.del_payload(ifindex), seq=2)
        again = exchange(s, kind.del_type, ACK, kind.del_payload(ifindex), seq=3)  # fails once it is gone
    msg = answer.error.extack.msg if answer.error and answer.error.extack.msg else "none"
    return [answer.outcome, msg], answer.outcome == "ok" and again.outcome != "ok"


@pytest.mark.parametrize("obj", object_params(deletable=True))
def test_bulk_delete_is_refused_where_the_handler_does_not_support_it(netns, rt, obj, observe):
    """rtnetlink_rcv_msg: NLM_F_BULK on a DEL without RTNL_FLAG_BULK_DEL_SUPPORTED -> EOPNOTSUPP + extack."""
    observed, _ = delete_with(netns, rt, obj, C.NLM_F_BULK)
    key = f"flags.{obj}.delete.bulk"
    observe(key, observed)
    expect(observed, key).before(BULK_REFUSED, why="rtnetlink_rcv_msg: 'Bulk delete is not supported'")


@pytest.mark.parametrize("obj", object_params(deletable=True))
def test_nonrec_flag_is_ignored_by_rtnetlink_deletes(netns, rt, obj, observe):
    """NLM_F_NONREC is tc's (tc_del_tfilter...): rtnetlink delete handlers never read it; the object goes."""
    observed, gone = delete_with(netns, rt, obj, C.NLM_F_NONREC)
    observe(f"flags.{obj}.delete.nonrec", observed[0])
    assert observed == ["ok", "none"] and gone


@pytest.mark.parametrize("self_flag", [True, False], ids=["self", "no_self"])
def test_bulk_fdb_flush_reaches_the_bridge_with_ntf_self(netns, rt, self_flag, observe):
    """rtnl_fdb_del (RTNL_FLAG_BULK_DEL_SUPPORTED): NTF_SELF on a bridge -> br_fdb_delete_bulk; without it a
    bridge is no bridge port, so no handler takes it and the initial -EOPNOTSUPP stands (no extack)."""
    rt.do(rtnl.new_link("fbr0", "bridge"))
    bridge = rt.link_index("fbr0")
    payload = L.NDMSG.pack(ndm_family=C.AF_BRIDGE, ndm_ifindex=bridge, ndm_flags=C.NTF_SELF if self_flag else 0)
    with Socket(netns=netns) as s:
        answer = exchange(s, C.RTM_DELNEIGH, ACK | C.NLM_F_BULK, payload)
    msg = answer.error.extack.msg if answer.error and answer.error.extack.msg else "none"
    key = f"flags.fdb.delete.bulk{'' if self_flag else '_no_self'}"
    observe(key, [answer.outcome, msg])
    if not self_flag:
        expect([answer.outcome, msg], key).before(["EOPNOTSUPP", "none"], why="no handler takes it")
        return
    expect([answer.outcome, msg], key).since("5.19", ["ok", "none"], why="rtnl_fdb_del -> ndo_fdb_del_bulk").before(
        ["EOPNOTSUPP", "none"], why="no bulk fdb delete before 5.19 (NLM_F_BULK, ndo_fdb_del_bulk); measured on 5.10")
