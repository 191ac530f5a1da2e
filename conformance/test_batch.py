"""Pipelined changes (netlink_probe.batch): many requests per datagram, each failure at its own index.

netlink_rcv_skb (net/netlink/af_netlink.c) handles a datagram's messages one by one inside the
sender's sendmsg: a failed message gets its NLMSG_ERROR and the walk goes on, so the requests after it
still land; a control message (type < NLMSG_MIN_TYPE, here the batch's NLMSG_NOOP barrier) is acked
without reaching rtnetlink, after everything before it.  The bad request is an IPv4 route of prefix
length 33: fib_table_insert -> fib_valid_key_len refuses it with EINVAL, "Invalid prefix length".
"""
from __future__ import annotations

import errno

import pytest

from netlink_probe import Socket, codec, rtnl
from netlink_probe import constants as C
from netlink_probe.batch import EACH, ERRORS, run_batch
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L

COUNT, BAD = 1500, 700  # three datagrams of 512; the bad one in the middle of the second


def route_request(i: int, oif: int) -> tuple[int, int, bytes]:
    """RTM_NEWROUTE 10.200.x.y/32 dev *oif* (request BAD asks for prefix length 33)."""
    payload = L.RTMSG.pack(rtm_family=C.AF_INET, rtm_dst_len=33 if i == BAD else 32, rtm_table=C.RT_TABLE_MAIN,
                           rtm_protocol=C.RTPROT_STATIC, rtm_scope=C.RT_SCOPE_LINK, rtm_type=C.RTN_UNICAST)
    dst = (0x0AC80000 + i).to_bytes(4, "big")
    return C.RTM_NEWROUTE, C.NLM_F_CREATE | C.NLM_F_EXCL, payload + A.attr(C.RTA_DST, dst) + A.u32(C.RTA_OIF, oif)


def installed(rt: rtnl.Rtnl) -> set[int]:
    """The indexes of this module's routes found by a dump of the main table."""
    cols = rt.dump("routes", C.AF_INET).columns("RTA_DST", "rtm_dst_len")
    return {int.from_bytes(bytes(map(int, d.split("."))), "big") - 0x0AC80000
            for d, n in zip(cols["RTA_DST"], cols["rtm_dst_len"]) if d and d.startswith("10.200.") and n == 32}


@pytest.mark.parametrize("acks", [ERRORS, EACH])
def test_failed_request_is_reported_at_its_index_and_the_others_land(net, acks, observe):
    """netlink_rcv_skb: an error answers only its message; fib_valid_key_len's EINVAL + extack at index BAD."""
    res = run_batch(net.rt.sock, (route_request(i, net.a) for i in range(COUNT)), acks=acks)
    assert [f.index for f in res.failures] == [BAD]
    err = res.failures[0].error
    observe(f"ack.pipelined_acks_{acks}.failed_request", err.errno_name)
    assert (err.errno, err.extack_msg) == (errno.EINVAL, "Invalid prefix length")
    assert codec.parse(err.request)[0].payload.tobytes() == route_request(BAD, net.a)[2]
    # three datagrams of 512 where the socket's receive queue holds their answers; more where it does not
    # (SO_RCVBUF is capped by net.core.rmem_max: 4 in the 5.10, 6.1 and 6.12 guests), never an ENOBUFS
    assert (res.sent, res.acks) == (COUNT, COUNT - 1 if acks == EACH else 0) and res.datagrams >= 3
    assert installed(net.rt) == set(range(COUNT)) - {BAD}


def test_noop_barrier_is_acked_after_the_errors_of_its_datagram(netns):
    """netlink_rcv_skb: NLMSG_NOOP|REQUEST|ACK skips the family and is acked in order, after earlier errors."""
    with Socket(C.NETLINK_ROUTE, netns=netns, ext_ack=True) as s:
        mtype, flags, payload = route_request(BAD, 1)
        bad = codec.encode(mtype, flags | C.NLM_F_REQUEST, payload, 0x71, s.port)
        good = codec.encode(C.RTM_GETLINK, C.NLM_F_REQUEST, L.IFINFOMSG.pack(ifi_index=1), 0x72, s.port)
        noop = codec.encode(C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK, b"", 0x73, s.port)
        s.send(bad + good + noop)
        got = []
        while not any(m.seq == 0x73 for m in got):
            got += s.recv_messages(2)[1]
    order = [(m.seq, m.type, codec.parse_error(m).error if m.type == C.NLMSG_ERROR else None) for m in got]
    assert order == [(0x71, C.NLMSG_ERROR, -errno.EINVAL), (0x72, C.RTM_NEWLINK, None), (0x73, C.NLMSG_ERROR, 0)]
