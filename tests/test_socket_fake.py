"""Socket's request/dump/validation logic driven by an in-memory peer (netlink_probe.testing.FakeKernel).

The fake answers the way the kernel's af_netlink.c does: replies unicast from
port 0 with the request's nlmsg_seq and the requester's port id (netlink_ack,
netlink_dump), dumps end with NLMSG_DONE (netlink_dump_done), multicast
datagrams carry the group in the source address or NETLINK_PKTINFO
(netlink_broadcast).  No kernel, no privileges.
"""
from __future__ import annotations

import errno

import pytest

import netlink_probe.transport
from netlink_probe import DecodeError, DumpInterrupted, KernelError, NetlinkTimeout, Overrun, ProtocolViolation, Socket
from netlink_probe import codec
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.socket import Notification
from netlink_probe.testing import FakeKernel, restamp
from netlink_probe.transport import Tapped

LINK = L.IFINFOMSG.pack(ifi_index=3)


def link(req, name: str, flags: int = C.NLM_F_MULTI, **kw) -> bytes:
    return FakeKernel.reply(req, C.RTM_NEWLINK, L.IFINFOMSG.pack(ifi_index=3) + A.string(C.IFLA_IFNAME, name),
                            flags=flags, **kw)


def names(msgs) -> list[str]:
    return [m.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME) for m in msgs]


@pytest.fixture
def kernel():
    return FakeKernel()


@pytest.fixture
def sock(kernel):
    with kernel.socket(timeout=0.05) as s:
        yield s


# -- what goes out --------------------------------------------------------------------------
def test_request_sets_request_and_ack_flags_our_port_and_a_fresh_seq(kernel, sock):
    """netlink_rcv_skb acts only on NLM_F_REQUEST and acks on NLM_F_ACK; nlmsg_pid names the sender."""
    kernel.handler = lambda req, k: [k.ack(req)]
    sock.request(C.RTM_NEWLINK, C.NLM_F_CREATE, LINK)
    sock.request(C.RTM_NEWLINK, 0, LINK)
    a, b = (codec.parse(d)[0] for d in kernel.sent)
    assert a.flags == C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE
    assert (a.pid, b.pid) == (sock.port, sock.port) == (kernel.port, kernel.port)
    assert a.seq != b.seq and 0 not in (a.seq, b.seq)
    assert bytes(a.payload) == LINK and kernel.destinations == [(0, 0), (0, 0)]


def test_dump_request_sets_nlm_f_dump():
    """netlink_rcv_skb starts a dump for a GET with NLM_F_DUMP (= NLM_F_ROOT|NLM_F_MATCH)."""
    kernel = FakeKernel(lambda req, k: [k.done(req)])
    with kernel.socket() as s:
        assert s.dump(C.RTM_GETLINK, LINK).all() == []
    (m,) = codec.parse(kernel.sent[0])
    assert m.flags == C.NLM_F_REQUEST | C.NLM_F_DUMP


# -- request / ack ----------------------------------------------------------------------------
def test_request_returns_the_replies_before_the_ack(kernel, sock):
    """netlink_ack comes after the doit's own reply: request() returns the replies, not the ACK."""
    kernel.handler = lambda req, k: [link(req, "np0", flags=0), k.ack(req)]
    assert names(sock.request(C.RTM_GETLINK, 0, LINK)) == ["np0"]


def test_request_without_ack_returns_after_the_first_single_part_reply(kernel, sock):
    """A doit GET answers with one message (no NLM_F_MULTI); without NLM_F_ACK nothing follows."""
    kernel.handler = lambda req, k: [link(req, "np0", flags=0)]
    assert names(sock.request(C.RTM_GETLINK, 0, LINK, ack=False)) == ["np0"]
    assert not codec.parse(kernel.sent[0])[0].flags & C.NLM_F_ACK


def test_request_ends_at_done_when_the_answer_is_multipart(kernel, sock):
    """netlink_dump_done: a request answered as a dump ends at NLMSG_DONE even without an ACK."""
    kernel.handler = lambda req, k: [[link(req, "a"), link(req, "b")], k.done(req)]
    assert names(sock.request(C.RTM_GETLINK, C.NLM_F_DUMP, LINK, ack=False)) == ["a", "b"]


def test_request_reading_a_multipart_answer_does_not_drop_dump_intr(kernel, sock):
    """nl_dump_check_consistent: request() on a dump still raises DumpInterrupted, with every message."""
    kernel.handler = lambda req, k: [[link(req, "a", flags=C.NLM_F_MULTI | C.NLM_F_DUMP_INTR), link(req, "b")],
                                     k.done(req)]
    with pytest.raises(DumpInterrupted) as e:
        sock.request(C.RTM_GETLINK, C.NLM_F_DUMP, LINK, ack=False)
    assert names(e.value.messages) == ["a", "b"]


def test_request_skips_noop_messages(kernel, sock):
    """NLMSG_NOOP is 'nothing': never a reply."""
    kernel.handler = lambda req, k: [[k.reply(req, C.NLMSG_NOOP), link(req, "a", flags=0)], k.ack(req)]
    assert names(sock.request(C.RTM_GETLINK, 0, LINK)) == ["a"]


def test_kernel_error_is_an_oserror_with_errno_name_and_extack(kernel, sock):
    """netlink_ack: a negative error with NLMSGERR_ATTR_MSG/OFFS becomes KernelError(errno, extack)."""
    kernel.handler = lambda req, k: [k.ack(req, errno.EOPNOTSUPP, msg="Unknown device type", offset=36)]
    with pytest.raises(KernelError) as e:
        sock.request(C.RTM_NEWLINK, C.NLM_F_CREATE, LINK)
    err = e.value
    assert isinstance(err, OSError) and err.errno == errno.EOPNOTSUPP
    assert (err.errno_name, err.extack_msg, err.extack_offset) == ("EOPNOTSUPP", "Unknown device type", 36)
    assert err.request == kernel.sent[0] and "Unknown device type" in str(err)
    assert err.info.echo_payload == LINK


def test_kernel_error_carries_missing_attribute_policy_and_cookie(kernel, sock):
    """netlink_ack_tlv_fill: MISS_TYPE/MISS_NEST, POLICY and COOKIE reach the exception."""
    policy = {C.NL_POLICY_TYPE_ATTR_TYPE: C.NL_ATTR_TYPE_U32.to_bytes(4, "little")}
    kernel.handler = lambda req, k: [k.ack(req, errno.EINVAL, miss_type=C.IFLA_IFNAME, miss_nest=32,
                                           policy=policy, cookie=b"\1\2")]
    with pytest.raises(KernelError) as e:
        sock.request(C.RTM_NEWLINK, 0, LINK)
    assert (e.value.miss_type, e.value.miss_nest, e.value.policy, e.value.cookie) == (
        C.IFLA_IFNAME, 32, policy, b"\1\2")
    assert e.value.extack_msg is None and e.value.errno_name == "EINVAL"


def test_capped_error_still_raises_with_its_extack(kernel):
    """netlink_ack with NETLINK_CAP_ACK: no echoed payload, the same errno and TLVs."""
    kernel.handler = lambda req, k: [k.ack(req, errno.ERANGE, msg="too big", capped=True)]
    with kernel.socket(cap_ack=True) as s, pytest.raises(KernelError) as e:
        s.request(C.RTM_NEWLINK, 0, LINK)
    assert s.get_option("cap_ack") == 1
    assert (e.value.errno_name, e.value.extack_msg, e.value.info.capped, e.value.info.echo_payload) == (
        "ERANGE", "too big", True, None)


# -- validation ---------------------------------------------------------------------------------
def test_reply_with_a_foreign_sequence_number_is_a_protocol_violation(kernel, sock):
    """netlink_ack copies the request's nlmsg_seq: any other seq is not an answer to it."""
    kernel.handler = lambda req, k: [k.ack(req, seq=req.seq + 1000)]
    with pytest.raises(ProtocolViolation):
        sock.request(C.RTM_NEWLINK, 0, LINK)


def test_reply_with_a_foreign_port_id_is_a_protocol_violation(kernel, sock):
    """netlink_ack addresses nlmsg_pid to the requester's port: another port id is not ours."""
    kernel.handler = lambda req, k: [k.ack(req, pid=req.pid + 1)]
    with pytest.raises(ProtocolViolation):
        sock.request(C.RTM_NEWLINK, 0, LINK)


def test_dump_part_with_a_foreign_sequence_number_is_a_protocol_violation(kernel, sock):
    """netlink_dump stamps every part with the request's seq."""
    kernel.handler = lambda req, k: [link(req, "a"), link(req, "b", seq=req.seq - 1 or 99)]
    with pytest.raises(ProtocolViolation):
        sock.dump(C.RTM_GETLINK, LINK).all()


def test_datagram_from_a_user_port_is_never_taken_for_the_reply(kernel):
    """netlink_unicast from another socket has source nl_pid != 0; only the kernel (0) answers requests."""
    def answer(req, k):
        k.deliver(k.ack(req, errno.EPERM), src_pid=1234)  # a forged error from a user port
        return [link(req, "real", flags=0), k.ack(req)]
    kernel.handler = answer
    with kernel.socket(user_ports=True) as sock:  # asked for: set aside, not lost
        assert names(sock.request(C.RTM_GETLINK, 0, LINK)) == ["real"]
        assert sock.recv(0).src_pid == 1234 and sock.foreign_dropped == 0


def test_multicast_datagram_is_never_taken_for_the_reply(kernel, sock):
    """netlink_broadcast sets the source nl_groups (groups 1..32) even when seq and port match ours."""
    def answer(req, k):
        k.deliver(link(req, "notification", flags=0), src_groups=1 << (C.RTNLGRP_LINK - 1))
        return [k.ack(req)]
    kernel.handler = answer
    assert sock.request(C.RTM_NEWLINK, 0, LINK) == []
    (n,) = [x for x in sock.notifications(0)]
    assert isinstance(n, Notification) and n.src_groups == 1 << (C.RTNLGRP_LINK - 1)
    assert names([n.message]) == ["notification"]


def test_pktinfo_group_marks_a_datagram_as_multicast_above_32(kernel):
    """netlink_cmsg_recv_pktinfo: groups above 32 have source nl_groups 0; NETLINK_PKTINFO gives the group."""
    with kernel.socket(pktinfo=True) as s:
        s.join(40)

        def answer(req, k):
            k.deliver(link(req, "high", flags=0), group=40)
            return [link(req, "reply", flags=0), k.ack(req)]
        kernel.handler = answer
        assert names(s.request(C.RTM_GETLINK, 0, LINK)) == ["reply"]
        (n,) = list(s.notifications(0))
    assert (n.group, n.src_groups) == (40, 0)


def test_unmatched_datagram_on_a_high_group_socket_without_pktinfo_is_skipped(kernel, sock):
    """Without NETLINK_PKTINFO a group > 32 datagram looks unicast (nl_groups 0): it is set aside, not fatal."""
    sock.join(33)

    def answer(req, k):
        k.deliver(k.reply(req, C.RTM_NEWLINK, LINK, seq=0, pid=0))
        return [k.ack(req)]
    kernel.handler = answer
    assert sock.request(C.RTM_NEWLINK, 0, LINK) == []
    assert codec.parse(sock.recv(0).data)[0].seq == 0


def test_late_reply_to_an_earlier_request_is_skipped_not_fatal(kernel, sock):
    """A dump abandoned half-read leaves parts with its (older) seq queued: they are stale, not foreign."""
    kernel.handler = lambda req, k: [link(req, "a"), link(req, "b"), k.done(req)]
    d = iter(sock.dump(C.RTM_GETLINK, LINK))
    next(d)
    d.close()
    kernel.handler = lambda req, k: [link(req, "fresh", flags=0), k.ack(req)]
    assert names(sock.request(C.RTM_GETLINK, 0, LINK)) == ["fresh"]


def test_late_reply_to_a_raw_send_is_skipped(kernel, sock):
    """Socket.send of raw bytes: their seq is ours too, so the kernel's unread answer to it is stale, not foreign."""
    kernel.handler = lambda req, k: [k.ack(req, errno.EINVAL)]
    sock.send(codec.encode(C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK, b"", 999, sock.port))
    kernel.handler = lambda req, k: [k.ack(req)]
    assert sock.request(C.NLMSG_NOOP, 0) == []


def test_truncated_datagram_is_a_protocol_violation(kernel, sock):
    """netlink_recvmsg sets MSG_TRUNC when the datagram exceeds the buffer: the tail is lost."""
    def answer(req, k):
        k.deliver(link(req, "big", flags=0), truncate=20)
        return []
    kernel.handler = answer
    with pytest.raises(ProtocolViolation):
        sock.request(C.RTM_GETLINK, 0, LINK)


def test_malformed_reply_is_a_decode_error(kernel, sock):
    """A reply whose nlmsg_len runs past the datagram raises DecodeError, never IndexError."""
    kernel.handler = lambda req, k: [link(req, "x", flags=0)[:-8]]
    with pytest.raises(DecodeError):
        sock.request(C.RTM_GETLINK, 0, LINK)


def test_tapped_transport_sees_every_datagram_once(kernel):
    """transport.Tapped: tap(protocol, Received) for every datagram read, skipped ones included."""
    seen = []
    with Socket(transport=Tapped(kernel, lambda proto, r: seen.append((proto, r.src_groups))), timeout=0.05) as s:
        def answer(req, k):
            k.deliver(link(req, "n", flags=0), src_groups=1)
            return [k.ack(req)]
        kernel.handler = answer
        s.request(C.RTM_NEWLINK, 0, LINK)
        list(s.notifications(0))  # the notification comes from the backlog: not read (nor tapped) twice
    assert seen == [(C.NETLINK_ROUTE, 1), (C.NETLINK_ROUTE, 0)]


def test_tapped_delegates_everything_but_recv(kernel):
    """Options, memberships, port and close go through to the wrapped transport."""
    with Socket(transport=Tapped(kernel, lambda proto, r: None), ext_ack=True, pktinfo=True) as s:
        s.join(40)
        assert s.memberships() == {40} == kernel.groups and s.port == kernel.port
        assert s.get_option("pktinfo") == 1 and s.fd == -1
    assert kernel.closed


def test_socket_opens_its_transport_through_the_module_function(monkeypatch, kernel):
    """Socket() calls netlink_probe.transport.open_kernel_transport at call time: a session can wrap it."""
    opened, seen = [], []

    def wrapper(protocol, sock_type, netns):
        opened.append((protocol, netns))
        return Tapped(kernel, lambda proto, r: seen.append(proto))
    monkeypatch.setattr(netlink_probe.transport, "open_kernel_transport", wrapper)
    kernel.handler = lambda req, k: [k.ack(req)]
    with Socket(C.NETLINK_ROUTE, netns="/nowhere", timeout=0.05) as s:
        assert s.request(C.NLMSG_NOOP, 0) == []
    assert opened == [(C.NETLINK_ROUTE, "/nowhere")] and seen == [C.NETLINK_ROUTE]


# -- dumps ----------------------------------------------------------------------------------------
def test_dump_reads_every_part_until_done(kernel, sock):
    """netlink_dump: parts arrive as separate NLM_F_MULTI datagrams; NLMSG_DONE ends the dump."""
    kernel.handler = lambda req, k: [[link(req, "a"), link(req, "b")], [link(req, "c")], k.done(req)]
    d = sock.dump(C.RTM_GETLINK, LINK)
    assert names(d) == ["a", "b", "c"]
    assert d.done is not None and d.done.error == 0 and not d.interrupted
    assert len(d.datagrams) == 3
    with pytest.raises(RuntimeError, match="read once"):  # messages are not pinned for a replay
        names(d)


def test_dump_error_in_done_raises_kernel_error_with_extack(kernel, sock):
    """netlink_dump_done: a dumpit error is the int of NLMSG_DONE, with the extack when EXT_ACK is on."""
    kernel.handler = lambda req, k: [[link(req, "a")], k.done(req, errno.EINVAL, msg="Invalid header")]
    d = sock.dump(C.RTM_GETLINK, LINK)
    got = []
    with pytest.raises(KernelError) as e:
        for m in d:
            got.append(m)
    assert names(got) == ["a"]
    assert (e.value.errno_name, e.value.extack_msg) == ("EINVAL", "Invalid header")
    assert e.value.request == d.request


def test_dump_start_error_in_nlmsg_error_raises_kernel_error(kernel, sock):
    """netlink_dump_start failing (e.g. -EOPNOTSUPP for no dumpit) is acked with NLMSG_ERROR."""
    kernel.handler = lambda req, k: [k.ack(req, errno.EOPNOTSUPP)]
    with pytest.raises(KernelError) as e:
        sock.dump(C.RTM_GETLINK, LINK).all()
    assert e.value.errno_name == "EOPNOTSUPP"


def test_ack_inside_a_dump_is_a_protocol_violation(kernel, sock):
    """netlink_rcv_skb sends no ACK for a started dump (-EINTR from netlink_dump_start skips it)."""
    kernel.handler = lambda req, k: [link(req, "a"), k.ack(req)]
    with pytest.raises(ProtocolViolation):
        sock.dump(C.RTM_GETLINK, LINK).all()


def test_dump_intr_raises_dump_interrupted_after_the_last_message(kernel, sock):
    """nl_dump_check_consistent: NLM_F_DUMP_INTR on any part makes the whole dump inconsistent."""
    kernel.handler = lambda req, k: [[link(req, "a")], [link(req, "b", flags=C.NLM_F_MULTI | C.NLM_F_DUMP_INTR)],
                                     [link(req, "c")], k.done(req)]
    got = []
    with pytest.raises(DumpInterrupted) as e:
        for m in sock.dump(C.RTM_GETLINK, LINK):
            got.append(m)
    assert names(got) == ["a", "b", "c"] and e.value.count == 3
    with pytest.raises(DumpInterrupted) as e:
        sock.dump(C.RTM_GETLINK, LINK).all()
    assert names(e.value.messages) == ["a", "b", "c"]


def test_dump_intr_with_on_intr_flag_sets_interrupted(kernel, sock):
    """nl_dump_check_consistent: on_intr='flag' returns every message and reports Dump.interrupted."""
    kernel.handler = lambda req, k: [[link(req, "a", flags=C.NLM_F_MULTI | C.NLM_F_DUMP_INTR)], k.done(req)]
    d = sock.dump(C.RTM_GETLINK, LINK, on_intr="flag")
    assert names(d.all()) == ["a"] and d.interrupted


def test_dump_intr_on_done_alone_is_not_dropped(kernel, sock):
    """netlink_dump_done also runs nl_dump_check_consistent: the flag may sit on NLMSG_DONE only."""
    kernel.handler = lambda req, k: [[link(req, "a")], k.done(req, flags=C.NLM_F_MULTI | C.NLM_F_DUMP_INTR)]
    with pytest.raises(DumpInterrupted):
        sock.dump(C.RTM_GETLINK, LINK).all()


def test_dump_rejects_an_unknown_on_intr_policy(sock):
    """Dump(on_intr=...) is 'raise' or 'flag'; anything else would silently drop DUMP_INTR."""
    with pytest.raises(ValueError):
        sock.dump(C.RTM_GETLINK, LINK, on_intr="ignore")


# -- timeouts and overruns ------------------------------------------------------------------------
def test_silence_is_a_netlink_timeout(kernel, sock):
    """The kernel answers some malformed requests with nothing: every receive ends in NetlinkTimeout."""
    with pytest.raises(NetlinkTimeout):
        sock.request(C.RTM_NEWLINK, 0, LINK)
    with pytest.raises(NetlinkTimeout):
        sock.dump(C.RTM_GETLINK, LINK).all()
    with pytest.raises(NetlinkTimeout):
        sock.recv(0.01)
    assert isinstance(NetlinkTimeout(), TimeoutError)


def test_dump_that_stops_before_done_times_out(kernel, sock):
    """A dump without NLMSG_DONE never completes: the per-datagram timeout ends it."""
    kernel.handler = lambda req, k: [[link(req, "a")]]
    with pytest.raises(NetlinkTimeout):
        sock.dump(C.RTM_GETLINK, LINK).all()


def test_enobufs_is_a_typed_overrun(kernel, sock):
    """netlink_overrun: the next recvmsg fails with ENOBUFS; it surfaces as Overrun (an OSError)."""
    kernel.overrun()
    with pytest.raises(Overrun) as e:
        sock.recv()
    assert isinstance(e.value, OSError) and e.value.errno == errno.ENOBUFS
    kernel.handler = lambda req, k: [OSError(errno.ENOBUFS, "No buffer space available")]
    with pytest.raises(Overrun):
        sock.request(C.RTM_NEWLINK, 0, LINK)


def test_notifications_yield_an_overrun_event_and_continue(kernel, sock):
    """netlink_overrun drops messages but the socket stays usable: notifications() reports it and goes on."""
    kernel.deliver(codec.encode(C.RTM_NEWLINK, 0, LINK), src_groups=1)
    kernel.overrun()
    kernel.deliver(codec.encode(C.RTM_DELLINK, 0, LINK), src_groups=1)
    events = list(sock.notifications(0))
    assert [type(e).__name__ for e in events] == ["Notification", "Overrun", "Notification"]
    assert [events[0].message.type, events[2].message.type] == [C.RTM_NEWLINK, C.RTM_DELLINK]
    kernel.overrun()
    with pytest.raises(Overrun):
        list(sock.notifications(0, yield_overruns=False))


def test_notification_reports_group_and_nsid(kernel, sock):
    """netlink_cmsg_listen_all_nsid / _recv_pktinfo: the peer netns id and the group ride as ancillary data."""
    kernel.deliver(codec.encode(C.RTM_NEWLINK, 0, LINK), src_groups=0, group=36, nsid=5)
    (n,) = list(sock.notifications(0))
    assert (n.group, n.nsid, n.src_groups, n.src_pid) == (36, 5, 0, 0)


def test_notifications_stop_at_the_timeout(kernel, sock):
    """notifications(timeout) ends after that long without a datagram; it never blocks forever."""
    assert list(sock.notifications(0.01)) == []


# -- memberships and options on the fake ------------------------------------------------------------
def test_memberships_track_join_and_leave_beyond_32(sock):
    """NETLINK_ADD/DROP_MEMBERSHIP semantics: any group number; bind's mask only covers 1..32."""
    sock.join(1)
    sock.join(40)
    sock.bind(0, 1 << 2)
    assert sock.memberships() == {1, 3, 40}
    sock.leave(1)
    assert sock.memberships() == {3, 40}
    assert sock.sockname() == (sock.port, 1 << 2)
    with pytest.raises(OSError):
        sock.join(0)


def test_restamp_rewrites_every_message_of_a_datagram():
    """Captured replies are replayed with the new request's seq and port (netlink_probe.testing.restamp)."""
    data = codec.encode(C.RTM_NEWLINK, 2, LINK, 1, 2) + codec.encode_done(1, 2)
    assert [(m.seq, m.pid) for m in codec.parse(restamp(data, 7, 8))] == [(7, 8), (7, 8)]
