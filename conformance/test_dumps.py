"""Dumps: netlink_dump(), __netlink_dump_start(), netlink_dump_done(), netlink_recvmsg().

__netlink_dump_start fills the first datagram in the requester's sendmsg(); every later one is filled by
netlink_recvmsg() once the reader has taken the previous one (and the queue is at most half of
SO_RCVBUF).  netlink_dump sizes each datagram: at least NLMSG_GOODSIZE (a page minus skb overhead,
8 KiB at most), more when the reader has shown a bigger recvmsg() buffer (nlk->max_recvmsg_len,
capped at SKB_WITH_OVERHEAD(32768)).  NLMSG_DONE (an int error + optional extack) ends the dump.
Namespaces are filled with 300 /32 addresses on lo (or blackhole routes), sent in one datagram.
"""
from __future__ import annotations

import ipaddress
import os

import pytest
from support.raw_io import (add_addresses, add_blackhole_routes, address_of, flat, msg, RawReader,
                            start_dump)

from netlink_probe import Socket, codec, genl, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import layouts as L

N_ADDR = 300
PAGE = os.sysconf("SC_PAGESIZE")
GOODSIZE_BOUND = min(PAGE, 8192)  # NLMSG_GOODSIZE = SKB_WITH_OVERHEAD(min(PAGE_SIZE, 8192)) is below this
ADDR_DUMP = (C.RTM_GETADDR, L.IFADDRMSG.pack(ifa_family=C.AF_INET))


@pytest.fixture
def filled(netns):
    """The test's namespace with N_ADDR extra IPv4 addresses on lo."""
    with Socket(netns=netns) as s:
        addrs = add_addresses(s, N_ADDR)
    return netns, addrs


def dump_with_buffer(ns, size: int, mtype: int = ADDR_DUMP[0], payload: bytes = ADDR_DUMP[1], **sock_kw):
    """All datagrams of one dump read with a *size*-byte recvmsg buffer on a fresh socket."""
    with Socket(netns=ns, **sock_kw) as s:
        start_dump(s, mtype, payload, seq=0xD0)
        return RawReader(s.fd, size).dump_datagrams(), s.port


# -- the shape of a dump ----------------------------------------------------------------------------
def test_every_part_of_a_multi_datagram_dump_carries_nlm_f_multi_and_the_request_seq(filled, observe):
    """netlink_dump -> the family's dumpit puts each object with NLM_F_MULTI, cb->nlh's seq and the requester's port."""
    ns, _ = filled
    datagrams, port = dump_with_buffer(ns, 8192)
    msgs = flat(datagrams)
    observe("dump.every_part_multi", all(m.flags & C.NLM_F_MULTI for m in msgs))
    assert len(datagrams) > 2
    assert all(m.flags & C.NLM_F_MULTI for m in msgs)
    assert {(m.seq, m.pid) for m in msgs} == {(0xD0, port)}


def test_done_ends_the_dump_with_error_zero_after_every_object(filled, observe):
    """netlink_dump_done: NLMSG_DONE|NLM_F_MULTI with dump_done_errno 0 is the last message; nothing follows."""
    ns, addrs = filled
    datagrams, _ = dump_with_buffer(ns, 65536)
    msgs = flat(datagrams)
    done = msgs[-1]
    info = codec.parse_done(done)
    observe("dump.done_payload_len", done.length - 16)
    assert [m.type for m in msgs].count(C.NLMSG_DONE) == 1 and done.type == C.NLMSG_DONE
    assert info.error == 0 and done.length == 20
    assert sorted(address_of(m) for m in msgs[:-1]) == sorted(addrs + ["127.0.0.1"])


DONE_TABLES = {"links": (C.RTM_GETLINK, rtnl.dump_request("links").payload),
               "addrs": ADDR_DUMP,
               "routes": (C.RTM_GETROUTE, L.RTMSG.pack(rtm_family=C.AF_INET))}


@pytest.mark.parametrize("table", sorted(DONE_TABLES))
def test_rtnetlink_dumps_send_done_in_a_datagram_of_its_own(filled, table, observe):
    """netlink_dump: links/addresses/routes keep DONE apart — their dumpits returned skb->len until empty before
    v6.10, and rtnl_dumpit keeps that 'legacy behavior' for RTNL_FLAG_DUMP_SPLIT_NLM_DONE handlers since."""
    ns, _ = filled
    datagrams, _ = dump_with_buffer(ns, 65536, *DONE_TABLES[table])
    last = [m.type for m in datagrams[-1][1]]
    observe(f"dump.done_in_own_datagram.{table}", last == [C.NLMSG_DONE])
    assert last == [C.NLMSG_DONE]
    assert len(datagrams) >= 2


def test_generic_netlink_family_dump_ends_with_done(netns, observe):
    """netlink_dump: DONE goes into the last skb when there is tailroom and the dumpit said "finished" (returned 0,
    ctrl_dumpfamily on newer kernels); older dumpits return skb->len until empty, so DONE comes alone. Recorded."""
    with Socket(C.NETLINK_GENERIC, netns=netns) as g:
        assert genl.family("nlctrl", netns).id == C.GENL_ID_CTRL
        start_dump(g, C.GENL_ID_CTRL, L.GENLMSGHDR.pack(cmd=C.CTRL_CMD_GETFAMILY, version=1))
        datagrams = RawReader(g.fd).dump_datagrams()
    last = [m.type for m in datagrams[-1][1]]
    observe("dump.done_in_own_datagram.genl_ctrl", last == [C.NLMSG_DONE])
    assert last[-1] == C.NLMSG_DONE and codec.parse_done(datagrams[-1][1][-1]).error == 0
    assert C.GENL_ID_CTRL in [m.type for m in flat(datagrams)]


def test_dump_request_with_the_ack_flag_gets_no_ack_after_done(filled, observe):
    """__netlink_dump_start returns -EINTR on success, and netlink_rcv_skb skips netlink_ack for -EINTR."""
    ns, _ = filled
    with Socket(netns=ns) as s:
        start_dump(s, *ADDR_DUMP, seq=0xD1, flags=C.NLM_F_ACK)
        reader = RawReader(s.fd)
        reader.dump_datagrams()
        s.send(msg(C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK, b"", 0xD2, s.port))  # a marker after it
        _, after = reader.messages(2)
    observe("dump.ack_flag_answer", "ack" if after[0].seq == 0xD1 else "none")
    assert [(m.type, m.seq) for m in after] == [(C.NLMSG_ERROR, 0xD2)]


# -- datagram sizes -------------------------------------------------------------------------------------
def test_first_datagram_of_a_dump_fits_nlmsg_goodsize(filled, observe):
    """netlink_dump: a socket that never called recvmsg has max_recvmsg_len 0 -> alloc_min_size = NLMSG_GOODSIZE."""
    ns, _ = filled
    datagrams, _ = dump_with_buffer(ns, 65536)
    sizes = [r.length for r, _ in datagrams]
    observe("dump.first_datagram_le_goodsize", sizes[0] <= GOODSIZE_BOUND)
    assert sizes[0] <= GOODSIZE_BOUND
    assert max(sizes[1:]) > GOODSIZE_BOUND  # later ones grow once recvmsg showed a 64 KiB buffer


def test_dump_datagrams_grow_only_to_the_readers_buffer(filled, observe):
    """netlink_recvmsg records max(len) as max_recvmsg_len; netlink_dump allocates that much when above GOODSIZE."""
    ns, _ = filled
    datagrams, _ = dump_with_buffer(ns, 8192)
    sizes = [r.length for r, _ in datagrams]
    observe("dump.datagram_follows_user_buffer", GOODSIZE_BOUND < max(sizes) <= 8192)
    assert max(sizes) <= 8192
    assert max(sizes) > GOODSIZE_BOUND
    assert not any(r.truncated for r, _ in datagrams)


def test_dump_datagrams_never_exceed_32_kib(filled, observe):
    """netlink_recvmsg: max_recvmsg_len = min(len, SKB_WITH_OVERHEAD(32768)): a 64 KiB reader still gets <= 32 KiB."""
    ns, _ = filled
    datagrams, _ = dump_with_buffer(ns, 65536)
    biggest = max(r.length for r, _ in datagrams)
    observe("dump.max_datagram_le_32k", biggest <= 32768)
    assert 16384 < biggest <= 32768


def test_a_buffer_below_nlmsg_goodsize_gets_truncated_dump_datagrams(filled, observe):
    """netlink_dump never allocates less than NLMSG_GOODSIZE: a 1 KiB reader sees MSG_TRUNC (and loses data)."""
    ns, _ = filled
    with Socket(netns=ns) as s:
        start_dump(s, *ADDR_DUMP)
        r = RawReader(s.fd, 1024).recv(2)
    observe("dump.small_buffer_truncated", r.truncated)
    assert r.truncated and len(r.data) == 1024 and r.length == 1024  # without MSG_TRUNC: the copied length


def test_dump_completes_with_the_smallest_receive_buffer(filled, observe):
    """netlink_recvmsg refills one datagram per read, whatever SO_RCVBUF (queued skbs are not rcvbuf-checked)."""
    ns, addrs = filled
    datagrams, _ = dump_with_buffer(ns, 65536, rcvbuf=1)  # SO_RCVBUF 1 -> SOCK_MIN_RCVBUF
    got = sorted(address_of(m) for m in flat(datagrams) if m.type == C.RTM_NEWADDR)
    observe("dump.min_rcvbuf_completes", got == sorted(addrs + ["127.0.0.1"]))
    assert got == sorted(addrs + ["127.0.0.1"])


# -- one dump at a time -------------------------------------------------------------------------------------
def test_second_dump_on_a_busy_socket_is_ebusy_and_the_first_completes(filled, observe):
    """__netlink_dump_start: 'if (nlk->cb_running) ret = -EBUSY' — acked as an error; the running dump goes on."""
    ns, addrs = filled
    with Socket(netns=ns) as s:
        start_dump(s, *ADDR_DUMP, seq=0xD3)
        start_dump(s, *ADDR_DUMP, seq=0xD4)
        msgs = flat(RawReader(s.fd, 4096).dump_datagrams(stop=(C.NLMSG_DONE,)))
    errs = [(m.seq, codec.parse_error(m).errno_name) for m in msgs if m.type == C.NLMSG_ERROR]
    observe("dump.second_while_busy", errs[0][1] if errs else "queued")
    assert errs == [(0xD4, "EBUSY")]
    assert sorted(address_of(m) for m in msgs if m.type == C.RTM_NEWADDR) == sorted(addrs + ["127.0.0.1"])
    assert {m.seq for m in msgs if m.type != C.NLMSG_ERROR} == {0xD3}


def test_a_new_dump_starts_once_the_previous_one_is_done(netns):
    """netlink_dump clears cb_running after NLMSG_DONE, so the next dump on the socket is accepted."""
    with rtnl.Rtnl(netns) as r:
        first = r.dump("links").all()
        second = r.dump("links").all()
    assert len(first) == len(second) == 1


# -- MSG_PEEK / MSG_TRUNC -------------------------------------------------------------------------------------
def test_peek_with_msg_trunc_returns_the_full_datagram_length(filled, observe):
    """netlink_recvmsg: 'if (flags & MSG_TRUNC) copied = data_skb->len' — the true size, the datagram kept."""
    ns, _ = filled
    with Socket(netns=ns) as s:
        start_dump(s, *ADDR_DUMP)
        small, big = RawReader(s.fd, 64), RawReader(s.fd, 65536)
        peeked = small.recv(2, C.MSG_PEEK | C.MSG_TRUNC)
        real = big.recv(2)
    observe("dump.peek_trunc_length", "full" if peeked.length == real.length else "copied")
    assert peeked.length == real.length > 64
    assert peeked.truncated and len(peeked.data) == 64
    assert real.data[:64] == peeked.data


def test_reading_with_a_small_buffer_discards_the_rest_of_the_datagram(filled, observe):
    """netlink_recvmsg: MSG_TRUNC set, skb freed — the next read starts with the next datagram."""
    ns, _ = filled
    with Socket(netns=ns) as s:
        start_dump(s, *ADDR_DUMP)
        big = RawReader(s.fd, 65536)
        whole = codec.parse(big.recv(2, C.MSG_PEEK).data)
        cut = RawReader(s.fd, 64).recv(2)
        rest = flat(big.dump_datagrams())
    lost = {address_of(m) for m in whole}
    seen = {address_of(m) for m in rest if m.type == C.RTM_NEWADDR}
    observe("dump.truncated_rest_lost", not (lost & seen))
    assert cut.truncated and cut.length == 64
    assert lost and not (lost & seen)
    assert rest[-1].type == C.NLMSG_DONE


def test_msg_trunc_without_peek_reports_the_full_length_and_consumes_the_datagram(filled):
    """netlink_recvmsg: MSG_TRUNC alone returns data_skb->len and still frees the skb."""
    ns, _ = filled
    with Socket(netns=ns) as s:
        start_dump(s, *ADDR_DUMP)
        big = RawReader(s.fd, 65536)
        first_len = big.recv(2, C.MSG_PEEK).length
        r = RawReader(s.fd, 16).recv(2, C.MSG_TRUNC)
        nxt = big.recv(2, C.MSG_PEEK)
    assert r.length == first_len and r.truncated and len(r.data) == 16
    assert nxt.data != b"" and codec.parse(nxt.data)[0].type in (C.RTM_NEWADDR, C.NLMSG_DONE)


# -- NLM_F_DUMP_INTR ---------------------------------------------------------------------------------------
def interrupted_dump(ns, mtype, payload, churn):
    """Read one datagram of a dump (4 KiB reader), run *churn*, read the rest: [(index, has DUMP_INTR)]."""
    with Socket(netns=ns) as s:
        start_dump(s, mtype, payload)
        reader = RawReader(s.fd, 4096)
        first = reader.messages(2)
        churn()
        datagrams = [first] + reader.dump_datagrams()
    return [bool(any(m.flags & C.NLM_F_DUMP_INTR for m in msgs)) for _, msgs in datagrams], datagrams


def test_address_dump_is_flagged_dump_intr_when_addresses_change_meanwhile(filled, observe):
    """inet_dump_ifaddr: cb->seq = inet_base_seq() (dev_base_seq + dev_addr_genid); nl_dump_check_consistent
    flags the first message filled after the change."""
    ns, _ = filled

    def churn():
        with rtnl.Rtnl(ns) as r:
            r.do(rtnl.new_addr(1, "10.250.0.1", 32))

    flags, _ = interrupted_dump(ns, *ADDR_DUMP, churn)
    observe("dump.intr.addrs", any(flags))
    assert len(flags) > 3 and not flags[0] and any(flags)


def test_link_dump_is_flagged_dump_intr_when_a_link_appears_meanwhile(netns, observe):
    """rtnl_dump_ifinfo: cb->seq = dev_base_seq, bumped by list_netdevice; nl_dump_check_consistent flags it."""
    with rtnl.Rtnl(netns) as r:
        for i in range(4):
            r.add_veth(f"di{i}a", f"di{i}b")

    def churn():
        with rtnl.Rtnl(netns) as r:
            r.add_veth("dixa", "dixb")

    flags, _ = interrupted_dump(netns, C.RTM_GETLINK, rtnl.dump_request("links").payload, churn)
    observe("dump.intr.links", any(flags))
    assert len(flags) > 3 and not flags[0] and any(flags)


def test_unchanged_table_dump_is_never_flagged_dump_intr(filled):
    """nl_dump_check_consistent only flags when cb->seq moved between two parts of the dump."""
    ns, _ = filled
    flags, _ = interrupted_dump(ns, *ADDR_DUMP, lambda: None)
    assert len(flags) > 3 and not any(flags)


def route_dst(m) -> str | None:
    v = m.attrs(L.RTMSG.size).bytes(C.RTA_DST)
    return str(ipaddress.ip_address(v)) if v else None


@pytest.mark.parametrize("family", ["inet", "inet6"])
def test_route_dump_under_route_churn_lists_every_old_route_once(netns, family, observe):
    """fib_table_dump / fib6_dump resume by key (IPv4) or a tracked fib6_walker (IPv6): a concurrent insert
    neither duplicates nor loses existing routes; record whether NLM_F_DUMP_INTR is set for route tables."""
    fam = C.AF_INET if family == "inet" else C.AF_INET6
    with Socket(netns=netns) as s:
        dsts = add_blackhole_routes(s, 200, fam)

    def churn():
        with rtnl.Rtnl(netns) as r:
            new = ("10.99.0.0", 16) if fam == C.AF_INET else ("fd7f::", 48)
            r.do(rtnl.route(new[0], new[1], rtype=C.RTN_BLACKHOLE))

    flags, datagrams = interrupted_dump(netns, C.RTM_GETROUTE, L.RTMSG.pack(rtm_family=fam), churn)
    seen = [route_dst(m) for m in flat(datagrams) if m.type == C.RTM_NEWROUTE]
    observe(f"dump.intr.routes_{family}", any(flags))
    wanted = {str(ipaddress.ip_address(d)) for d in dsts}
    assert len(flags) > 3
    assert sorted(d for d in seen if d in wanted) == sorted(wanted)
