"""netlink_probe.batch (and codec.pipeline.Window) against an in-memory kernel (testing.FakeKernel).

The fake answers as netlink_rcv_skb does: messages of a datagram in order,
an NLMSG_ERROR for each that failed or asked for NLM_F_ACK (control
messages such as the barrier NOOP are acknowledged without a handler).
"""
from __future__ import annotations

import errno

import pytest

from netlink_probe import NetlinkTimeout, ProtocolViolation, codec
from netlink_probe import constants as C
from netlink_probe.batch import ANSWER_COST, EACH, ERRORS, BatchFailed, run_batch
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.rtnl import route
from netlink_probe.testing import FakeKernel

BAD_OIF = 9999


def request(i: int) -> tuple[int, int, bytes]:
    """Route request #i; the one with oif BAD_OIF fails."""
    return (C.RTM_NEWROUTE, C.NLM_F_CREATE | C.NLM_F_EXCL,
            L.RTMSG.pack(rtm_family=C.AF_INET, rtm_dst_len=32) + A.u32(C.RTA_OIF, BAD_OIF if i < 0 else 2)
            + A.attr(C.RTA_DST, (0x0A000000 + abs(i)).to_bytes(4, "big")))


def kernel_like(req: codec.Message, k: FakeKernel) -> list[bytes]:
    """netlink_rcv_skb: run the handler for requests of a data type; ack on NLM_F_ACK or an error."""
    err = 0
    if req.flags & C.NLM_F_REQUEST and req.type == C.RTM_NEWROUTE:
        if req.attrs(L.RTMSG.size).u32(C.RTA_OIF) == BAD_OIF:
            err = errno.ENODEV
    if err:
        return [k.error(req, err, msg="Nexthop device does not exist")]
    return [k.ack(req)] if req.flags & C.NLM_F_ACK else []


def batch(n: int, bad: tuple[int, ...] = ()) -> list[tuple[int, int, bytes]]:
    return [request(-i if i in bad else i) for i in range(n)]


@pytest.fixture
def kernel() -> FakeKernel:
    return FakeKernel(kernel_like)


@pytest.fixture
def sock(kernel):
    with kernel.socket(timeout=30) as s:
        yield s


def sent(kernel: FakeKernel) -> list[list[codec.Message]]:
    return [codec.parse(d) for d in kernel.sent]


# -- what goes out ----------------------------------------------------------------------------
def test_errors_mode_sends_no_acks_and_ends_each_datagram_with_a_noop_barrier(kernel, sock):
    """ERRORS: requests without NLM_F_ACK, 512 a datagram, each datagram closed by NLMSG_NOOP|REQUEST|ACK."""
    res = run_batch(sock, batch(1200))
    grams = sent(kernel)
    assert [len(g) for g in grams] == [513, 513, 177]
    for g in grams:
        assert all(m.flags == C.NLM_F_REQUEST | C.NLM_F_CREATE | C.NLM_F_EXCL for m in g[:-1])
        assert (g[-1].type, g[-1].flags) == (C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK)
    seqs = [m.seq for g in grams for m in g]
    assert len(set(seqs)) == len(seqs) and 0 not in seqs
    assert {m.pid for g in grams for m in g} == {sock.port}
    assert (res.sent, res.datagrams, res.acks, res.ok) == (1200, 3, 0, True)


def test_each_mode_sets_ack_on_every_request_and_counts_the_acks(kernel, sock):
    """EACH: NLM_F_ACK on every request, no barrier; one ACK per request."""
    res = run_batch(sock, batch(600), acks=EACH)
    grams = sent(kernel)
    assert [len(g) for g in grams] == [512, 88]
    assert all(m.flags & C.NLM_F_ACK and m.type == C.RTM_NEWROUTE for g in grams for m in g)
    assert (res.sent, res.acks, res.failures) == (600, 600, [])


def test_ack_flag_of_the_caller_is_cleared_in_errors_mode(kernel, sock):
    """The mode decides NLM_F_ACK, whatever the request's own flags say."""
    mtype, flags, payload = request(1)
    run_batch(sock, [(mtype, flags | C.NLM_F_ACK, payload)])
    assert not sent(kernel)[0][0].flags & C.NLM_F_ACK


def test_max_datagram_bytes_split_the_requests(kernel, sock):
    """A datagram holds at most max_datagram bytes of requests (the send buffer bounds a sendmsg)."""
    size = len(codec.encode(*request(0)))
    run_batch(sock, batch(10), max_datagram=3 * size)
    assert [len(g) - 1 for g in sent(kernel)] == [3, 3, 3, 1]


def test_rtnl_request_objects_are_accepted(kernel, sock):
    """rtnl builders' Requests go in as they are."""
    res = run_batch(sock, [route("10.1.0.0", 16, oif=2), route("10.2.0.0", 16, oif=2)], acks=EACH)
    assert res.acks == 2 and sent(kernel)[0][1].type == C.RTM_NEWROUTE


def test_a_dump_request_is_refused(sock):
    """A dump's answer is many parts: not a batch request."""
    with pytest.raises(ValueError, match="dump"):
        run_batch(sock, [(C.RTM_GETROUTE, C.NLM_F_DUMP, L.RTMSG.pack())])


def test_bad_arguments_are_refused(sock):
    with pytest.raises(ValueError, match="acks"):
        run_batch(sock, [], acks="some")
    with pytest.raises(ValueError, match="per_datagram"):
        run_batch(sock, [], per_datagram=0)


def test_an_empty_batch_sends_nothing(kernel, sock):
    assert run_batch(sock, []).sent == 0 and kernel.sent == []


# -- failures by index ------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [ERRORS, EACH])
def test_failures_are_reported_at_the_index_of_their_request(sock, mode):
    """Errors in the middle and in later datagrams: each at its index, with errno, extack and request bytes."""
    res = run_batch(sock, batch(1100, bad=(1, 700, 1099)), acks=mode)
    assert [f.index for f in res.failures] == [1, 700, 1099]
    f = res.failures[1]
    assert (f.error.errno, f.error.errno_name, f.error.extack_msg) == (errno.ENODEV, "ENODEV",
                                                                       "Nexthop device does not exist")
    assert codec.parse(f.error.request)[0].payload.tobytes() == request(-700)[2]
    assert res.acks == (0 if mode == ERRORS else 1097)


def test_check_raises_batch_failed_with_every_failure(sock):
    res = run_batch(sock, batch(10, bad=(3, 4)))
    with pytest.raises(BatchFailed, match="2 of 10 requests failed; the first, #3") as e:
        res.check()
    assert [f.index for f in e.value.failures] == [3, 4]
    assert run_batch(sock, batch(3)).check().ok


def test_replies_are_kept_with_their_index(kernel, sock):
    """A data reply (NLM_F_ECHO, a doit GET) answers its request: kept as (index, message)."""
    kernel.handler = lambda req, k: [k.reply(req, C.RTM_NEWROUTE, b"\0" * 12), k.ack(req)] if req.seq else []
    res = run_batch(sock, batch(3), acks=EACH)
    assert [i for i, _m in res.replies] == [0, 1, 2]


# -- what is not an answer --------------------------------------------------------------------
def test_a_notification_during_the_batch_is_set_aside(kernel, sock):
    """A multicast datagram (source groups != 0) is not an answer: Socket.recv gets it afterwards."""
    def handler(req, k):
        if req.type == C.NLMSG_NOOP:
            k.deliver(codec.encode(C.RTM_NEWROUTE, 0, b"\0" * 12), src_groups=1 << (C.RTNLGRP_IPV4_ROUTE - 1))
        return kernel_like(req, k)
    kernel.handler = handler
    assert run_batch(sock, batch(5)).ok
    assert sock.recv(0).src_groups


def test_a_user_port_cannot_forge_a_failure(kernel, sock):
    """An NLMSG_ERROR from a user port (nl_pid != 0) with our seq is dropped unread, never a failure."""
    def handler(req, k):
        if req.type == C.NLMSG_NOOP:
            first = codec.parse(k.sent[-1])[0]
            k.deliver(k.error(first, errno.EPERM), src_pid=31337)
        return kernel_like(req, k)
    kernel.handler = handler
    res = run_batch(sock, batch(5))
    assert res.ok and sock.foreign_dropped == 1


def test_an_answer_with_a_foreign_seq_is_a_violation(kernel, sock):
    kernel.handler = lambda req, k: [k.ack(req, seq=req.seq + 10_000)] if req.flags & C.NLM_F_ACK else []
    with pytest.raises(ProtocolViolation, match="answers no request"):
        run_batch(sock, batch(2), acks=EACH)


def test_a_stale_answer_to_an_earlier_request_is_skipped(kernel, sock):
    """A late answer to an earlier request of the socket (its SequenceBook) is stale, not foreign."""
    old = sock.send_message(C.RTM_GETLINK, C.NLM_F_REQUEST)  # never answered
    def handler(req, k):
        if req.type == C.NLMSG_NOOP:
            k.deliver(k.ack(req, seq=old))
        return kernel_like(req, k)
    kernel.handler = handler
    assert run_batch(sock, batch(2)).ok


def test_a_second_answer_for_one_request_is_a_violation(kernel, sock):
    kernel.handler = lambda req, k: [k.ack(req), k.ack(req)]
    with pytest.raises(ProtocolViolation, match="second NLMSG_ERROR"):
        run_batch(sock, batch(2), acks=EACH)


def test_an_ack_for_a_request_that_did_not_ask_is_a_violation(kernel, sock):
    kernel.handler = lambda req, k: [k.ack(req)]
    with pytest.raises(ProtocolViolation, match="did not ask"):
        run_batch(sock, batch(2))


def test_an_error_field_that_is_no_errno_is_a_violation(kernel, sock):
    kernel.handler = lambda req, k: [codec.encode_error(req.raw(), -5000)] if req.type != C.NLMSG_NOOP else []
    with pytest.raises(ProtocolViolation, match="not a negative errno"):
        run_batch(sock, batch(1))


def test_a_failed_barrier_is_a_violation(kernel, sock):
    kernel.handler = lambda req, k: [k.error(req, errno.EINVAL)] if req.type == C.NLMSG_NOOP else []
    with pytest.raises(ProtocolViolation, match="barrier"):
        run_batch(sock, batch(1))


def test_a_done_answering_a_request_is_a_violation(kernel, sock):
    kernel.handler = lambda req, k: [k.done(req)]
    with pytest.raises(ProtocolViolation, match="control message"):
        run_batch(sock, batch(1), acks=EACH)


def test_a_truncated_error_still_names_its_request(kernel, sock):
    """An NLMSG_ERROR cut short (MSG_TRUNC) keeps its errno: the failure is still reported at its index."""
    def handler(req, k):
        if req.type == C.NLMSG_NOOP:
            first = codec.parse(k.sent[-1])[1]
            k.deliver(k.error(first, errno.EEXIST), truncate=24)
            return [k.ack(req)]
        return []
    kernel.handler = handler
    res = run_batch(sock, batch(3))
    assert [(f.index, f.error.errno) for f in res.failures] == [(1, errno.EEXIST)]


def test_silence_times_out(kernel, sock):
    """No barrier ACK within the timeout: NetlinkTimeout (the kernel stopped answering)."""
    kernel.handler = lambda req, k: []
    with pytest.raises(NetlinkTimeout):
        run_batch(sock, batch(1), timeout=0.01)


def test_a_datagram_holds_no_more_requests_than_the_receive_queue_can_answer(kernel, sock):
    """416 KiB of queue (the kernel's grant under the default rmem_max): 512 ACKs would overflow it (ENOBUFS)."""
    kernel.options[C.SOL_SOCKET, C.SO_RCVBUF] = 425984
    res = run_batch(sock, batch(600), acks=EACH)
    size = len(codec.encode(*request(0)))
    per = 425984 // (ANSWER_COST + size)
    assert per < 512 and [len(g) for g in sent(kernel)] == [per, 600 - per] and res.acks == 600
