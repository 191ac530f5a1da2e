"""Dump lifetime: __netlink_dump_start(), netlink_dump(), netlink_recvmsg(), netlink_release().

A dump belongs to the requesting socket (nlk->cb, cb_running): one at a time per socket, filled one
datagram per recvmsg() while the queue is at most half of SO_RCVBUF.  The behaviours of the kernel's
tools/testing/selftests/net/netlink-dumps.c, reimplemented: a generic netlink policy dump that spans more
than one 8 KiB recv, closing a socket while its dump runs (alone, with its file duplicated, with an mqueue
notification holding a reference, with datagrams still queued), two sockets dumping interleaved, buffers
smaller than one message, and 80 queued strict dumps that overrun the socket.
"""
from __future__ import annotations

import ctypes
import os
import re
import struct

import pytest
from support.expect import expect
from support.raw_io import add_addresses, address_of, flat, msg, RawReader, start_dump

from netlink_probe import NetlinkTimeout, Socket, codec
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.errors import errno_name
from netlink_probe.sys import calls

N_ADDR = 300
ADDR_DUMP = (C.RTM_GETADDR, L.IFADDRMSG.pack(ifa_family=C.AF_INET))
# CTRL_CMD_GETPOLICY of nlctrl itself: every policy of every nlctrl op, several KiB of nested attributes
POLICY_DUMP = (C.GENL_ID_CTRL, L.GENLMSGHDR.pack(cmd=C.CTRL_CMD_GETPOLICY, version=2)
               + A.u16(C.CTRL_ATTR_FAMILY_ID, C.GENL_ID_CTRL))
QUIET = 0.2


def rebind(ns, port: int, protocol: int = C.NETLINK_GENERIC) -> str:
    """'ok' when a new socket may bind *port* at once (netlink_remove ran), else the errno name."""
    try:
        with Socket(protocol, netns=ns, port=port):
            return "ok"
    except OSError as e:
        return errno_name(e.errno or 0)


# -- a dump longer than one recv --------------------------------------------------------------------
def test_nlctrl_policy_dump_spans_more_than_one_8k_recv(netns, observe):
    """ctrl_dumppolicy: nlctrl's own policies fill more than one 8 KiB datagram; every part is NLM_F_MULTI."""
    with Socket(C.NETLINK_GENERIC, netns=netns) as g:
        start_dump(g, *POLICY_DUMP, flags=C.NLM_F_ACK)
        datagrams = RawReader(g.fd, 8192).dump_datagrams()
    msgs = flat(datagrams)
    observe("dump.lifetime.policy_dump_multiple_datagrams", len(datagrams) >= 2)
    assert len(datagrams) >= 2 and all(r.length <= 8192 for r, _ in datagrams)
    assert msgs[-1].type == C.NLMSG_DONE and codec.parse_done(msgs[-1]).error == 0
    assert all(m.flags & C.NLM_F_MULTI for m in msgs)


# -- closing while a dump runs ---------------------------------------------------------------------------
def test_closing_a_socket_mid_dump_frees_its_port_at_once(netns, observe):
    """netlink_release: netlink_remove unhashes the port whatever the dump's state (cb_running, queued skbs)."""
    g = Socket(C.NETLINK_GENERIC, netns=netns)
    start_dump(g, *POLICY_DUMP)
    port = g.port
    g.close()
    got = rebind(netns, port)
    observe("dump.lifetime.close_in_progress_port", got)
    assert got == "ok"


def test_a_duplicated_fd_keeps_the_dump_going_after_the_other_is_closed(netns, observe):
    """sock_close -> netlink_release runs at the last fput only: a dup()ed fd reads the whole dump on."""
    g = Socket(C.NETLINK_GENERIC, netns=netns)
    start_dump(g, *POLICY_DUMP)
    dup = os.dup(g.fd)
    try:
        g.close()
        msgs = flat(RawReader(dup, 8192).dump_datagrams())
    finally:
        os.close(dup)
    observe("dump.lifetime.dup_fd_completes", msgs[-1].type == C.NLMSG_DONE)
    assert len(msgs) > 2 and msgs[-1].type == C.NLMSG_DONE and codec.parse_done(msgs[-1]).error == 0


def test_a_new_socket_on_a_closed_sockets_port_gets_none_of_its_queued_dump(netns, observe):
    """netlink_release purges sk_receive_queue (skb_queue_purge) and unhashes: the next owner starts empty."""
    g = Socket(C.NETLINK_GENERIC, netns=netns)
    start_dump(g, *POLICY_DUMP)
    RawReader(g.fd, 8192).recv()  # one datagram read: the dump refilled the queue, more is pending
    port = g.port
    g.close()
    with Socket(C.NETLINK_GENERIC, netns=netns, port=port) as again:
        try:
            RawReader(again.fd).recv(QUIET)
            got = "data"
        except NetlinkTimeout:
            got = "silent"
    observe("dump.lifetime.close_with_queue_next_owner", got)
    assert got == "silent"


_NR_MQ_OPEN, _NR_MQ_TIMEDSEND, _NR_MQ_NOTIFY = 240, 242, 244  # x86_64
_SIGEV_THREAD, _NOTIFY_COOKIE_LEN = 2, 32


def _close_with_mqueue_reference() -> dict[str, str]:
    """In a child with its own IPC namespace: a dump, mq_notify(SIGEV_THREAD) naming the netlink fd
    (the mqueue takes a socket reference), close, rebind the port, then fire the notification."""
    calls.unshare(0x08000000)  # CLONE_NEWIPC: the queue lives and dies with this child
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    out: dict[str, str] = {}
    g = Socket(C.NETLINK_GENERIC)
    start_dump(g, *POLICY_DUMP)
    mq = libc.syscall(_NR_MQ_OPEN, b"nlp-dump", os.O_CREAT | os.O_WRONLY, 0o600, None)
    if mq < 0:
        return {"mq_open": errno_name(ctypes.get_errno())}
    cookie = ctypes.create_string_buffer(_NOTIFY_COOKIE_LEN)
    # struct sigevent: sigev_value (8), sigev_signo (4), sigev_notify (4), 48 bytes of union
    sigev = struct.pack("=Qii48x", ctypes.addressof(cookie), g.fd, _SIGEV_THREAD)
    rc = libc.syscall(_NR_MQ_NOTIFY, mq, sigev)
    out["mq_notify"] = "ok" if rc == 0 else errno_name(ctypes.get_errno())
    port = g.port
    g.close()
    out["rebind"] = rebind(None, port)
    rc = libc.syscall(_NR_MQ_TIMEDSEND, mq, b"x", 1, 0, None)  # fires the notification at the released socket
    out["mq_send"] = "ok" if rc == 0 else errno_name(ctypes.get_errno())
    os.close(mq)
    return out


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="mq_* syscall numbers are x86_64's")
def test_closing_mid_dump_with_an_mqueue_reference_held(netns, run_as, observe):
    """netlink_release with the sock still referenced (mq_notify -> netlink_getsockbyfd): the port goes at
    close, and the later notification (netlink_sendskb to the released sock) is dropped harmlessly."""
    got = run_as("root", _close_with_mqueue_reference, netns=netns)
    observe("dump.lifetime.close_with_ref", got.get("rebind", got.get("mq_open", "?")))
    assert got == {"mq_notify": "ok", "rebind": "ok", "mq_send": "ok"}


# -- two sockets -------------------------------------------------------------------------------------------------
def test_two_sockets_dumping_interleaved_each_get_their_own_whole_dump(netns, observe):
    """netlink_dump keeps the dump state per socket (nlk->cb): alternating reads never mix the two dumps."""
    with Socket(netns=netns) as s:
        addrs = add_addresses(s, N_ADDR)
    with Socket(netns=netns) as a, Socket(netns=netns) as b:
        start_dump(a, *ADDR_DUMP, seq=0xA1)
        start_dump(b, *ADDR_DUMP, seq=0xB1)
        readers = {a.port: RawReader(a.fd, 4096), b.port: RawReader(b.fd, 4096)}
        got: dict[int, list] = {a.port: [], b.port: []}
        while any(not v or v[-1].type != C.NLMSG_DONE for v in got.values()):
            for port, reader in readers.items():
                if not got[port] or got[port][-1].type != C.NLMSG_DONE:
                    got[port] += reader.messages()[1]
    want = sorted(addrs + ["127.0.0.1"])
    same = all(sorted(address_of(m) for m in v if m.type == C.RTM_NEWADDR) == want for v in got.values())
    observe("dump.lifetime.interleaved_sockets_complete", same)
    assert same
    assert {(m.seq, m.pid) for m in got[a.port]} == {(0xA1, a.port)}
    assert {(m.seq, m.pid) for m in got[b.port]} == {(0xB1, b.port)}


# -- buffers smaller than one message ----------------------------------------------------------------------
def test_peek_trunc_with_a_buffer_below_one_header_sizes_the_next_read(netns, observe):
    """netlink_recvmsg: an 8-byte buffer (less than one nlmsghdr) gets MSG_TRUNC, and with MSG_PEEK|MSG_TRUNC
    the datagram's real length; a read of that length then takes it whole."""
    with Socket(C.NETLINK_GENERIC, netns=netns) as g:
        start_dump(g, *POLICY_DUMP)
        peeked = RawReader(g.fd, 8).recv(2, C.MSG_PEEK | C.MSG_TRUNC)
        whole = RawReader(g.fd, peeked.length).recv(2)
    observe("dump.lifetime.peek_trunc_below_header", "full" if peeked.length == whole.length else "copied")
    assert peeked.truncated and len(peeked.data) == 8 and peeked.length > 8
    assert not whole.truncated and whole.length == peeked.length
    assert whole.data[:8] == peeked.data and codec.parse(whole.data)[0].type == C.GENL_ID_CTRL


# -- netlink-dumps.c dump_extack ------------------------------------------------------------------------------
BAD_NEIGH_DUMP = L.NDMSG.pack(ndm_family=123) + A.u32(C.NDA_FLAGS_EXT, 0xFFFFFFFF)  # beyond NTF_EXT_MASK
BAD_OFFSET = 16 + L.NDMSG.size  # NDA_FLAGS_EXT is the first attribute


def _events(reader: RawReader) -> list[tuple]:
    """Everything one socket reads until it is quiet: ('recv', errno) or (kind, errno, extack offset, msg)."""
    out: list[tuple] = []
    while True:
        try:
            r = reader.recv(QUIET)
        except NetlinkTimeout:
            return out
        except OSError as e:
            out.append(("recv", errno_name(e.errno or 0)))
            continue
        for m in codec.parse(r.data):
            if m.type in (C.NLMSG_DONE, C.NLMSG_ERROR):
                info = codec.parse_done(m) if m.type == C.NLMSG_DONE else codec.parse_error(m)
                ext = info.extack
                out.append(("DONE" if m.type == C.NLMSG_DONE else "ERROR", info.errno_name,
                            ext.offset if ext else None, ext.msg if ext else None))


def _shape(events: list[tuple]) -> str:
    """The event sequence with runs collapsed: 'recv ENOBUFS, DONE EINVAL+, ERROR EBUSY+, DONE EINVAL'."""
    names = [" ".join(e[:2]) for e in events]
    runs: list[list] = []
    for n in names:
        if runs and runs[-1][0] == n:
            runs[-1][1] += 1
        else:
            runs.append([n, 1])
    return ", ".join(n + ("+" if k > 1 else "") for n, k in runs)


def test_queued_strict_dumps_with_a_bad_attribute_overrun_then_ebusy_then_each_done_has_the_extack(netns, observe):
    """__netlink_dump_start/netlink_dump_done: 80 strict RTM_GETNEIGH dumps with an out-of-mask NDA_FLAGS_EXT,
    sent unread: each queued dump ends in DONE EINVAL with the extack at the attribute; when the queue is full
    netlink_dump fails (-ENOBUFS, cb_running stays set), later requests get EBUSY, and the last recv()
    runs the pending dump to its DONE."""
    with Socket(netns=netns, cap_ack=True, strict=True, rcvbuf=0) as s:  # rmem_default, as the selftest
        for _ in range(80):
            s.send(msg(C.RTM_GETNEIGH, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_DUMP, BAD_NEIGH_DUMP, 1, s.port))
        events = _events(RawReader(s.fd, 8192))
    shape = _shape(events)
    dones = [e for e in events if e[0] == "DONE"]
    observe("dump.lifetime.queued_bad_dumps_sequence", shape)
    observe("dump.lifetime.queued_bad_dumps_done_extack",
            [dones[0][1], dones[0][2] or "none", dones[0][3] or "none"] if dones else "none")
    assert events[0] == ("recv", "ENOBUFS")
    expect({e[:3] for e in dones}, "dump.lifetime.queued_bad_dumps_done_extack").since(
        "6.18", {("DONE", "EINVAL", BAD_OFFSET)}, unknown_from="6.2",
        why="6.1 ends these dumps in DONE EINVAL without an extended ack (measured; the change lies between)").before(
        {("DONE", "EINVAL", None)})
    assert events[-1][0] == "DONE"
    assert {e[1] for e in events if e[0] == "ERROR"} <= {"ENOBUFS", "EBUSY"}
    assert re.sub(r"\+", "", shape) == "recv ENOBUFS, DONE EINVAL, ERROR ENOBUFS, ERROR EBUSY, DONE EINVAL"
