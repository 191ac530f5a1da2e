"""Overruns: netlink_overrun(), netlink_broadcast_deliver(), netlink_attachskb(), NETLINK_NO_ENOBUFS.

A multicast that finds the receiver's queue above SO_RCVBUF (or the socket already marked
NETLINK_S_CONGESTED) is dropped and netlink_overrun() sets sk_err = ENOBUFS once per congestion
(test_and_set_bit), unless NETLINK_F_RECV_NO_ENOBUFS.  The next recvmsg() returns the error before any
queued datagram (__skb_try_recv_datagram checks sock_error first); the congestion mark clears when
the queue drains (netlink_rcv_wake).  Receivers here use SO_RCVBUF 1, which the kernel raises to
SOCK_MIN_RCVBUF; notifications come from IPv4 addresses added in one batched datagram.
"""
from __future__ import annotations

from support.raw_io import add_addresses, drain, msg, RawReader

from netlink_probe import Socket, codec, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import layouts as L
from netlink_probe.errors import errno_name
from netlink_probe.sys import calls

BURST = 100


def listener(ns, **kw) -> Socket:
    s = Socket(netns=ns, rcvbuf=1, **kw)
    s.join(C.RTNLGRP_IPV4_IFADDR)
    return s


def burst(ns, base: int = 10, count: int = BURST) -> list[str]:
    """*count* RTM_NEWADDR notifications, generated synchronously inside one sendmsg()."""
    with Socket(netns=ns) as s:
        return add_addresses(s, count, base=base)


def test_multicast_overrun_makes_the_next_recv_fail_with_enobufs(netns, observe):
    """netlink_broadcast_deliver fails (rmem > rcvbuf) -> netlink_overrun: sk_err = ENOBUFS, reported by recvmsg."""
    with listener(netns) as lis:
        burst(netns)
        got = drain(RawReader(lis.fd), 0.05)
    observe("dump.overrun.multicast_error", got[0] if got and isinstance(got[0], str) else "none")
    assert got[0] == "ENOBUFS"


def test_enobufs_is_reported_once_and_before_the_queued_notifications(netns, observe):
    """netlink_overrun: test_and_set_bit(NETLINK_S_CONGESTED) — one error per congestion, ahead of the queue."""
    with listener(netns) as lis:
        burst(netns)
        got = drain(RawReader(lis.fd), 0.05)
    errors = [x for x in got if isinstance(x, str)]
    observe("dump.overrun.errors_per_burst", len(errors))
    assert errors == ["ENOBUFS"] and got[0] == "ENOBUFS"
    assert len(got) > 1  # what fitted in the queue is still delivered after the error


def test_overrun_drops_the_notifications_that_did_not_fit(netns, observe):
    """netlink_broadcast_deliver: while over rcvbuf or congested the skb is not queued — it is lost for good."""
    with listener(netns) as lis:
        burst(netns)
        got = [x for x in drain(RawReader(lis.fd), 0.05) if not isinstance(x, str)]
    delivered = sum(len(codec.parse(r.data)) for r in got)
    observe("dump.overrun.drops", delivered < BURST)
    assert 0 < delivered < BURST


def test_no_enobufs_suppresses_the_error_but_not_the_loss(netns, observe):
    """netlink_overrun: with NETLINK_F_RECV_NO_ENOBUFS sk_err is never set; the overflow is still dropped."""
    with listener(netns, no_enobufs=True) as lis:
        burst(netns)
        got = drain(RawReader(lis.fd), 0.05)
    observe("dump.overrun.no_enobufs", "ENOBUFS" if "ENOBUFS" in got else "silent")
    assert "ENOBUFS" not in got
    assert 0 < sum(len(codec.parse(r.data)) for r in got) < BURST


def test_socket_hears_new_notifications_after_an_overrun_is_drained(netns, observe):
    """netlink_rcv_wake clears NETLINK_S_CONGESTED once the queue is empty; later multicasts are delivered."""
    with listener(netns) as lis:
        reader = RawReader(lis.fd)
        burst(netns)
        first = drain(reader, 0.05)
        with rtnl.Rtnl(netns) as r:
            r.do(rtnl.new_addr(1, "10.251.0.1", 32))
        after = drain(reader, 0.05)
    types = [m.type for r in after for m in codec.parse(r.data)]
    observe("dump.overrun.usable_after", types == [C.RTM_NEWADDR])
    assert first[0] == "ENOBUFS"
    assert types == [C.RTM_NEWADDR]


def test_kernel_replies_to_a_full_socket_are_dropped_with_enobufs(netns, observe):
    """netlink_unicast -> netlink_attachskb: kernel sender, queue full, timeo 0 -> netlink_overrun and -EAGAIN."""
    with Socket(netns=netns, rcvbuf=1) as s:
        for seq in range(1, 21):
            s.send(msg(C.RTM_GETLINK, C.NLM_F_REQUEST | C.NLM_F_ACK, L.IFINFOMSG.pack(ifi_index=1), seq, s.port))
        got = drain(RawReader(s.fd), 0.05)
    replies = [m for r in got if not isinstance(r, str) for m in codec.parse(r.data)]
    observe("dump.overrun.unicast_reply", got[0] if got and isinstance(got[0], str) else "none")
    assert got[0] == "ENOBUFS"
    assert len(replies) < 40  # 20 replies + 20 ACKs were sent; most never arrived


def test_user_datagram_to_a_full_socket_with_dontwait_is_eagain_without_enobufs(netns, observe):
    """netlink_attachskb: a user sender gets -EAGAIN (MSG_DONTWAIT); netlink_overrun is only for kernel senders."""
    with Socket(netns=netns, rcvbuf=1) as rx, Socket(netns=netns) as tx:
        result, sent = "ok", 0
        for seq in range(100):
            try:
                calls.sendto(tx.fd, msg(0x1234, 0, b"x" * 256, seq), rx.port, 0, C.MSG_DONTWAIT)
                sent += 1
            except OSError as e:
                result = errno_name(e.errno)
                break
        got = drain(RawReader(rx.fd), 0.05)
    observe("dump.overrun.user_unicast_dontwait", result)
    assert result == "EAGAIN"
    assert "ENOBUFS" not in got and len(got) == sent
