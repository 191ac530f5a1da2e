"""NLM_F_ACK, NETLINK_CAP_ACK and NETLINK_EXT_ACK on object creation, per object, success and failure.

netlink_rcv_skb (net/netlink/af_netlink.c) calls netlink_ack when NLM_F_ACK is set or the handler
failed.  netlink_ack: a success echoes only the request header (NLM_F_CAPPED always); a failure
echoes the whole request unless NETLINK_CAP_ACK (then CAPPED); NLM_F_ACK_TLVS is set when
NETLINK_EXT_ACK is on and the handler left something to report (netlink_ack_tlv_len: a message or
cookie, and for errors the offset/policy/missing attribute).  The failure here is the handler's own:
creating the object again with CREATE|EXCL (EEXIST); neightbl (never created) fails on an unknown
table name (ENOENT).  Whether it carries an extack message is the handler's (test_request_flags_create).
Recorded as ``flags.<object>.ack.<success|failure>.<ack|noack>.cap<0|1>_ext<0|1>`` = a list:
[errno or "ok" or "silent", "capped"?, "tlvs"?, bytes of the NLMSG_ERROR].
"""
from __future__ import annotations

import pytest
from support.expect import expect
from support.flags_matrix import ACK, FLAG_SETS, OBJECTS, exchange, object_params, scene
from test_request_flags_create import ADDR_EXISTS, expected

from netlink_probe import Socket
from netlink_probe import constants as C
from netlink_probe.codec.message import align

HDR, ERR_INT = 16, 4


def predicted(obj: str, failure: bool, ack: bool, cap: bool) -> tuple[list, list]:
    """netlink_ack's answer, with and without an extack message from the handler (kernels differ on that)."""
    if not failure and not ack:
        return ["silent"], ["silent"]  # netlink_rcv_skb: 'if (nlh->nlmsg_flags & NLM_F_ACK || err)'
    errno_name = expected(obj, "create_excl", obj != "neightbl")[0] if failure else "ok"
    capped = cap or not failure
    base = [errno_name] + (["capped"] if capped else [])
    return base, base + ["tlvs"]  # length is compared apart: the message text's size varies


@pytest.mark.parametrize("ext", [False, True], ids=["ext0", "ext1"])
@pytest.mark.parametrize("cap", [False, True], ids=["cap0", "cap1"])
@pytest.mark.parametrize("ack", [True, False], ids=["ack", "noack"])
@pytest.mark.parametrize("result", ["success", "failure"])
@pytest.mark.parametrize("obj", object_params())
def test_ack_shape_follows_cap_ack_and_ext_ack(netns, rt, obj, result, ack, cap, ext, observe):
    """netlink_rcv_skb -> netlink_ack: ACK or error, CAPPED echo, ACK_TLVS, per socket option."""
    kind, ifindex = OBJECTS[obj], scene(rt)
    failure = result == "failure"
    with Socket(netns=netns, cap_ack=cap, ext_ack=ext) as s:
        payload = kind.payload(ifindex, missing_variant=obj == "neightbl" and failure)
        if failure and obj != "neightbl":
            assert exchange(s, kind.new_type, ACK | FLAG_SETS["create_excl"], payload, seq=1).outcome == "ok"
        answer = exchange(s, kind.new_type, (ACK if ack else 0) | FLAG_SETS["create_excl"], payload, seq=2)
    m = answer.error_message
    observed = [answer.outcome]
    if m is not None:
        observed += (["capped"] if answer.error.capped else []) + (["tlvs"] if m.flags & C.NLM_F_ACK_TLVS else [])
    key = f"flags.{obj}.ack.{result}.{'ack' if ack else 'noack'}.cap{int(cap)}_ext{int(ext)}"
    observe(key, observed + ([m.length] if m is not None else []))
    plain, with_tlvs = predicted(obj, failure, ack, cap)
    has_message = failure and obj == "address"  # the only EEXIST here with an extack message
    if has_message and ext:
        expect(observed, key).since("6.3", with_tlvs, why=f"inet_rtm_newaddr: {ADDR_EXISTS!r}").before(plain)
    else:
        expect(observed, key).before(plain, why="netlink_ack: no extack for this answer" if ext else
                                     "netlink_ack_tlv_len: NETLINK_EXT_ACK off")
    if m is not None:  # the length: header, error int, the echo (whole request unless capped), the TLVs
        echo = HDR if answer.error.capped else HDR + align(len(payload))
        tlvs = m.length - (HDR + ERR_INT + echo)
        assert tlvs == 0 if "tlvs" not in observed else tlvs > 0
