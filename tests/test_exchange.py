"""codec.exchange: the sans-I/O classification of received datagrams, table-driven, without sockets.

Every rule the socket layer relies on is one row: who may answer (source
nl_pid 0, no group: netlink_unicast from the kernel vs netlink_broadcast),
which messages are ours (netlink_ack / netlink_dump copy the request's
nlmsg_seq and the requester's port id), stale answers to earlier requests,
how an answer ends (netlink_ack, netlink_dump_done), NLM_F_DUMP_INTR
(nl_dump_check_consistent), truncation (netlink_recvmsg's MSG_TRUNC).  The
bulk path (`receive_scanned`, used by Dump.columns) must classify every
datagram exactly as the message path does.
"""
from __future__ import annotations

import errno

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlink_probe import codec
from netlink_probe import constants as C
from netlink_probe.codec import layouts as L
from netlink_probe.codec.columns import ColumnDecoder
from netlink_probe.codec.exchange import Exchange, Kind, SequenceBook
from netlink_probe.sys.calls import Received

SEQ, PORT, EARLIER = 100, 4242, 99
ROUTE = L.RTMSG.pack(rtm_family=C.AF_INET) + codec.attribute.u32(C.RTA_OIF, 7)
MULTI, INTR = C.NLM_F_MULTI, C.NLM_F_DUMP_INTR
REQUEST = codec.encode(C.RTM_GETROUTE, C.NLM_F_REQUEST | C.NLM_F_ACK, b"", SEQ, PORT)


def data(flags: int = MULTI, seq: int = SEQ, pid: int = PORT) -> bytes:
    return codec.encode(C.RTM_NEWROUTE, flags, ROUTE, seq, pid)


def done(error: int = 0, flags: int = MULTI, seq: int = SEQ, msg: str | None = None) -> bytes:
    return codec.encode_done(seq, PORT, -error, flags=flags, extack=codec.ExtAck(msg=msg))


def ack(error: int = 0, seq: int = SEQ, msg: str | None = None) -> bytes:
    return codec.encode_error(REQUEST, -error, capped=not error, seq=seq, extack=codec.ExtAck(msg=msg))


def noop() -> bytes:
    return codec.encode(C.NLMSG_NOOP, 0, b"", SEQ, PORT)


def dg(*msgs: bytes, src_pid: int = 0, src_groups: int = 0, group: int | None = None,
       truncate: int | None = None) -> Received:
    """One datagram as recvmsg reports it."""
    raw = b"".join(msgs)
    if truncate is None:
        return Received(raw, src_pid, src_groups, 0, len(raw), pktinfo_group=group)
    return Received(raw[:truncate], src_pid, src_groups, C.MSG_TRUNC, len(raw), pktinfo_group=group)


def exchange(mode: str, **kw) -> Exchange:
    book = SequenceBook()
    book.sent(EARLIER)
    book.sent(SEQ)
    return Exchange(SEQ, PORT, book, dump=mode == "dump", ack=mode != "request-noack", **kw)


def run(ex: Exchange, datagrams, receive=None) -> list[tuple]:
    """(kind, number of replies, errno of info, reason's start) per datagram, until the exchange finishes."""
    receive = receive or ex.receive
    out = []
    for d in datagrams:
        o = receive(d)
        out.append((o.kind, len(o.replies), None if o.info is None else -o.info.error, o.reason.split(" ")[0]))
        if ex.finished:
            break
    return out


NM, ST, RE, END, ERR, BAD = Kind.NOT_MINE, Kind.STALE, Kind.REPLIES, Kind.END, Kind.ERROR, Kind.VIOLATION

# name, mode, datagrams, expected per datagram, interrupted at the end
CASES = [
    # -- who sent it -------------------------------------------------------------------------------
    ("multicast group 1..32 (source nl_groups)", "dump", [dg(data(), src_groups=1)], [(NM, 0, None, "")], False),
    ("user port (source nl_pid != 0)", "dump", [dg(ack(errno.EPERM), src_pid=77)], [(NM, 0, None, "")], False),
    ("group above 32 (NETLINK_PKTINFO)", "request", [dg(ack(), group=40)], [(NM, 0, None, "")], False),
    ("pktinfo group on a matching data datagram", "dump", [dg(data(), group=36)], [(NM, 0, None, "")], False),
    ("truncated (MSG_TRUNC)", "dump", [dg(data(), data(), truncate=40)], [(BAD, 0, None, "datagram")], False),
    ("truncated NLMSG_ERROR answering us keeps its errno", "request", [dg(ack(errno.EMSGSIZE), truncate=36)],
     [(ERR, 0, errno.EMSGSIZE, "")], False),
    ("truncated NLMSG_ERROR cut inside the error int", "request", [dg(ack(errno.EMSGSIZE), truncate=19)],
     [(BAD, 0, None, "datagram")], False),
    ("truncated NLMSG_ERROR of another seq", "request", [dg(ack(errno.EMSGSIZE, seq=SEQ + 5), truncate=36)],
     [(BAD, 0, None, "datagram")], False),
    ("truncated ACK (error 0) says nothing", "request", [dg(ack(), truncate=30)], [(BAD, 0, None, "datagram")],
     False),
    # -- whose answer it is ----------------------------------------------------------------------------
    ("late answer to an earlier seq", "request", [dg(ack(seq=EARLIER)), dg(ack())],
     [(ST, 0, None, ""), (END, 0, 0, "")], False),
    ("stale parts dropped, ours kept", "dump", [dg(data(seq=EARLIER), data(), data())], [(RE, 2, None, "")], False),
    ("foreign seq", "request", [dg(ack(seq=SEQ + 5))], [(BAD, 0, None, "reply")], False),
    ("foreign port", "dump", [dg(data(pid=PORT + 1))], [(BAD, 0, None, "reply")], False),
    ("ours then foreign in one datagram", "dump", [dg(data(), data(seq=7))], [(BAD, 0, None, "reply")], False),
    ("empty datagram", "dump", [dg()], [(ST, 0, None, "")], False),
    # -- how it ends -------------------------------------------------------------------------------------
    ("dump parts then DONE", "dump", [dg(data(), data()), dg(data()), dg(done())],
     [(RE, 2, None, ""), (RE, 1, None, ""), (END, 0, 0, "")], False),
    ("DONE in the last part", "dump", [dg(data(), done())], [(END, 1, 0, "")], False),
    ("DONE with an errno", "dump", [dg(data()), dg(done(errno.EINVAL, msg="bad"))],
     [(RE, 1, None, ""), (ERR, 0, errno.EINVAL, "")], False),
    ("dump start refused (NLMSG_ERROR)", "dump", [dg(ack(errno.EOPNOTSUPP))], [(ERR, 0, errno.EOPNOTSUPP, "")], False),
    ("ACK inside a dump", "dump", [dg(data(), ack())], [(BAD, 1, 0, "an")], False),
    ("other control message inside a dump", "dump", [dg(codec.encode(C.NLMSG_OVERRUN, 0, b"", SEQ, PORT))],
     [(BAD, 0, None, "control")], False),
    ("request: replies then ACK", "request", [dg(data(0)), dg(ack())], [(RE, 1, None, ""), (END, 0, 0, "")], False),
    ("request: error", "request", [dg(ack(errno.ERANGE, msg="too big"))], [(ERR, 0, errno.ERANGE, "")], False),
    # -- error fields the kernel cannot send (netlink_ack puts -errno, -1..-MAX_ERRNO): violations ------------
    ("NLMSG_ERROR carrying INT_MIN", "request", [dg(ack(2**31))], [(BAD, 0, 2**31, "error")], False),
    ("NLMSG_ERROR carrying a positive error", "request", [dg(ack(-5))], [(BAD, 0, -5, "error")], False),
    ("NLMSG_ERROR carrying -4096", "dump", [dg(ack(4096))], [(BAD, 0, 4096, "error")], False),
    ("NLMSG_ERROR carrying -MAX_ERRNO is an errno", "request", [dg(ack(4095))], [(ERR, 0, 4095, "")], False),
    ("NLMSG_DONE carrying INT_MIN", "dump", [dg(data(), done(2**31))], [(BAD, 1, 2**31, "error")], False),
    ("NLMSG_DONE carrying INT_MAX", "dump", [dg(done(-(2**31 - 1)))], [(BAD, 0, -(2**31 - 1), "error")], False),
    ("request: other control types are replies", "request",
     [dg(codec.encode(C.NLMSG_OVERRUN, 0, b"", SEQ, PORT), ack())], [(END, 1, 0, "")], False),
    ("request without ACK: one single-part reply", "request-noack", [dg(data(0)), dg(ack())],
     [(END, 1, None, "")], False),
    ("request without ACK: multi-part ends at DONE", "request-noack", [dg(data()), dg(data(), done())],
     [(RE, 1, None, ""), (END, 1, 0, "")], False),
    ("NOOP is nothing", "dump", [dg(noop(), data(), noop(), data()), dg(noop(), done())],
     [(RE, 2, None, ""), (END, 0, 0, "")], False),
    ("messages after the end are ignored", "dump", [dg(done(), data())], [(END, 0, 0, "")], False),
    # -- NLM_F_DUMP_INTR ---------------------------------------------------------------------------------
    ("DUMP_INTR on a part", "dump", [dg(data(MULTI | INTR)), dg(done())], [(RE, 1, None, ""), (END, 0, 0, "")], True),
    ("DUMP_INTR on DONE only", "dump", [dg(data()), dg(done(flags=MULTI | INTR))],
     [(RE, 1, None, ""), (END, 0, 0, "")], True),
    ("DUMP_INTR on a NOOP", "dump", [dg(codec.encode(C.NLMSG_NOOP, INTR, b"", SEQ, PORT), done())],
     [(END, 0, 0, "")], True),
    ("DUMP_INTR after the end does not count", "dump", [dg(done(), data(MULTI | INTR))], [(END, 0, 0, "")], False),
    ("DUMP_INTR of a stale part does not count", "dump", [dg(data(MULTI | INTR, seq=EARLIER), done())],
     [(END, 0, 0, "")], False),
]


@pytest.mark.parametrize("name,mode,datagrams,expected,interrupted", CASES, ids=[c[0] for c in CASES])
def test_exchange_classifies(name, mode, datagrams, expected, interrupted):
    ex = exchange(mode)
    assert run(ex, datagrams) == expected
    assert ex.interrupted == interrupted


def test_pktinfo_group_alone_marks_a_datagram_as_not_mine():
    """netlink_cmsg_recv_pktinfo: a group above 32 has source nl_groups 0, only the cmsg tells it from a reply.

    The datagram carries our seq and port and a well-formed ACK: only the
    pktinfo group keeps it from ending the request.
    """
    d = dg(ack(), group=33)
    assert exchange("request").receive(d).kind is Kind.NOT_MINE
    assert exchange("request").receive(dg(ack())).kind is Kind.END  # the same bytes as a unicast
    scanned = exchange("request")
    assert scanned.receive_scanned(d, ColumnDecoder(L.RTMSG, "RTA_UNSPEC", ()).scan).kind is Kind.NOT_MINE


def test_a_group_above_32_without_pktinfo_makes_foreign_messages_not_mine():
    """Without NETLINK_PKTINFO such a datagram looks unicast (nl_groups 0): set aside, not a violation."""
    notification = dg(codec.encode(C.RTM_NEWLINK, 0, L.IFINFOMSG.pack(), 0, 0))
    assert exchange("request").receive(notification).kind is Kind.VIOLATION
    assert exchange("request", ambiguous=True).receive(notification).kind is Kind.NOT_MINE


def test_end_carries_the_extended_ack_and_the_message():
    """netlink_ack / netlink_dump_done: the errno and NLMSGERR_ATTR_MSG reach the outcome."""
    o = exchange("request").receive(dg(ack(errno.EINVAL, msg="Invalid prefix")))
    assert (o.kind, o.info.errno_name, o.info.extack.msg, o.end.type) == (
        Kind.ERROR, "EINVAL", "Invalid prefix", C.NLMSG_ERROR)
    o = exchange("dump").receive(dg(done(errno.EMSGSIZE, msg="too small")))
    assert (o.kind, o.info.errno_name, o.info.extack.msg, o.end.type) == (
        Kind.ERROR, "EMSGSIZE", "too small", C.NLMSG_DONE)


def test_a_finished_exchange_takes_no_more_datagrams():
    """One exchange per request: feeding it after its end is a programming error, not a silent skip."""
    ex = exchange("dump")
    ex.receive(dg(done()))
    with pytest.raises(RuntimeError, match="finished"):
        ex.receive(dg(data()))


def test_malformed_bytes_raise_decode_error():
    """A message whose nlmsg_len runs past the datagram: the codec's DecodeError, on both paths."""
    bad = dg(data()[:-8])
    with pytest.raises(codec.DecodeError):
        exchange("dump").receive(bad)
    with pytest.raises(codec.DecodeError):
        exchange("dump").receive_scanned(bad, ColumnDecoder(L.RTMSG, "RTA_UNSPEC", ("RTA_OIF",)).scan)


def test_sequence_book_remembers_the_last_keep_numbers():
    """Earlier sequence numbers are remembered, boundedly; fresh ones are never 0 and wrap at 32 bits."""
    book = SequenceBook(first=0xFFFFFFFF, keep=2)
    assert [book.next(), book.next(), book.next()] == [0xFFFFFFFF, 1, 2]
    for seq in (5, 6, 7):
        book.sent(seq)
    assert 5 not in book and 6 in book and 7 in book and len(book) == 2
    book.sent(6)  # sending again refreshes: 7 is now the oldest
    book.sent(8)
    assert 7 not in book and 6 in book


@pytest.mark.parametrize("first,n,expect", [
    (5, 3, [5, 6, 7]), (0xFFFFFFFE, 4, [0xFFFFFFFE, 0xFFFFFFFF, 1, 2]), (0xFFFFFFFD, 3, [0xFFFFFFFD, 0xFFFFFFFE,
                                                                                       0xFFFFFFFF]), (0, 2, [1, 2])])
def test_sequence_numbers_taken_together_are_the_ones_next_would_give(first, n, expect):
    """take(n) for a batch: the same numbers as n calls of next (never 0, wrapping at 32 bits), then next goes on."""
    book, one_by_one = SequenceBook(first=first), SequenceBook(first=first)
    assert list(book.take(n)) == [one_by_one.next() for _ in range(n)] == expect
    assert book.next() == one_by_one.next()


def test_replies_after_a_book_overflow_are_foreign():
    """A seq dropped from the book is no longer recognised as ours: its late answer is a violation."""
    book = SequenceBook(keep=1)
    book.sent(EARLIER)
    book.sent(SEQ)
    ex = Exchange(SEQ, PORT, book, dump=True)
    assert ex.receive(dg(data(seq=EARLIER))).kind is Kind.VIOLATION


# -- the bulk path classifies exactly as the message path ------------------------------------------------------
def normal(o, d: Received) -> tuple:
    """An outcome with its replies as byte offsets (the bulk path names the first k scanned messages by range)."""
    replies = o.replies
    if isinstance(replies, range):
        msgs = codec.parse(d.data)
        offsets = [msgs[i].offset for i in replies]
    else:
        offsets = [m.offset for m in replies]
    return (o.kind, offsets, o.info, o.reason, None if o.end is None else o.end.offset)


def both_paths(mode: str, datagrams, fields=("rtm_family", "RTA_OIF")) -> tuple[list, list]:
    by_message, scanned = exchange(mode), exchange(mode)
    scan = ColumnDecoder(L.RTMSG, "RTA_UNSPEC", fields).scan
    a, b = [], []
    for d in datagrams:
        if by_message.finished:
            break
        a.append(normal(by_message.receive(d), d))
        b.append(normal(scanned.receive_scanned(d, scan), d))
    a.append(("interrupted", by_message.interrupted, by_message.finished))
    b.append(("interrupted", scanned.interrupted, scanned.finished))
    return a, b


@pytest.mark.parametrize("name,mode,datagrams,expected,interrupted", CASES, ids=[c[0] for c in CASES])
def test_bulk_path_agrees_on_every_case(name, mode, datagrams, expected, interrupted):
    by_message, bulk = both_paths(mode, datagrams)
    assert bulk == by_message


_MESSAGES = {
    "data": lambda s, p, f: codec.encode(C.RTM_NEWROUTE, f, ROUTE, s, p),
    "short data": lambda s, p, f: codec.encode(C.RTM_NEWROUTE, f, b"\0" * 4, s, p),  # too short for rtmsg
    "noop": lambda s, p, f: codec.encode(C.NLMSG_NOOP, f, b"", s, p),
    "ack": lambda s, p, f: codec.encode_error(REQUEST, 0, capped=True, seq=s, pid=p, flags=f),
    "error": lambda s, p, f: codec.encode_error(REQUEST, -errno.EPERM, seq=s, pid=p, flags=f),
    "done": lambda s, p, f: codec.encode_done(s, p, 0, flags=f | MULTI),
    "done error": lambda s, p, f: codec.encode_done(s, p, -errno.EINVAL, flags=f | MULTI),
    "error INT_MIN": lambda s, p, f: codec.encode_error(REQUEST, -2**31, seq=s, pid=p, flags=f),
    "done positive": lambda s, p, f: codec.encode_done(s, p, 7, flags=f | MULTI),
    "overrun": lambda s, p, f: codec.encode(C.NLMSG_OVERRUN, f, b"", s, p),
}


@st.composite
def datagram_sequences(draw):
    out = []
    for _ in range(draw(st.integers(1, 4))):
        msgs = []
        for _ in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(sorted(_MESSAGES)))
            seq = draw(st.sampled_from([SEQ, SEQ, SEQ, EARLIER, 0, 12345]))
            pid = draw(st.sampled_from([PORT, PORT, PORT, 0, 999]))
            flags = draw(st.sampled_from([0, MULTI, MULTI | INTR, INTR]))
            msgs.append(_MESSAGES[kind](seq, pid, flags))
        sender = draw(st.sampled_from([{}, {}, {}, {"src_pid": 5}, {"src_groups": 1}, {"group": 40}]))
        truncate = draw(st.one_of(st.none(), st.none(), st.none(), st.integers(0, 60)))
        out.append(dg(*msgs, truncate=truncate, **sender))
    return out


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(["dump", "request", "request-noack"]), datagram_sequences(), st.booleans())
def test_bulk_path_agrees_on_any_datagrams(mode, datagrams, ambiguous):
    """Random senders, seqs, ports, types, flags and truncation: both paths give the same outcomes, always."""
    by_message, scanned = exchange(mode, ambiguous=ambiguous), exchange(mode, ambiguous=ambiguous)
    scan = ColumnDecoder(L.RTMSG, "RTA_UNSPEC", ("rtm_dst_len", "RTA_OIF", "RTA_DST")).scan
    for d in datagrams:
        if by_message.finished:
            break
        try:
            a = normal(by_message.receive(d), d)
        except codec.DecodeError as e:
            a = ("DecodeError", str(e))
        try:
            b = normal(scanned.receive_scanned(d, scan), d)
        except codec.DecodeError as e:
            b = ("DecodeError", str(e))
        assert a == b
        assert (by_message.interrupted, by_message.finished) == (scanned.interrupted, scanned.finished)
