"""Notifications: what the kernel multicasts on RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR and RTNLGRP_NSID.

Links notify through rtmsg_ifinfo() -> rtnl_notify(); addresses through
rtmsg_ifa() (IPv4) and inet6_ifa_notify() (IPv6); nsids through
rtnl_net_notifyid().  Every listener lives in the test's own namespace, and
groups are identified by the sockaddr's nl_groups bit (all four are <= 32).
"""
from __future__ import annotations

import time

import pytest
from support.expect import expect

from netlink_probe import NetNS, Overrun, Socket, codec, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import rtnl as R

ALL_ONES = 0xFFFFFFFF
GROUPS = (C.RTNLGRP_LINK, C.RTNLGRP_IPV4_IFADDR, C.RTNLGRP_IPV6_IFADDR, C.RTNLGRP_NSID)


def listener(ns, *groups) -> Socket:
    s = Socket(C.NETLINK_ROUTE, netns=ns)
    for g in groups:
        s.join(g)
    return s


def collect(lis: Socket, timeout: float, until=None) -> list:
    """Notifications as (group, decoded dict, Message) until *until(list)* holds or *timeout* passes."""
    out = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return out
        for n in lis.notifications(left):
            if isinstance(n, Overrun):
                raise n
            out.append((n.src_groups.bit_length(), R.decode(n.message), n.message))
            if until is not None and until(out):
                return out
        return out


def about_link(notes, index):
    return [(g, d) for g, d, _ in notes if d.get("object") == "link" and d["header"]["ifi_index"] == index]


def send_with_seq(rt, req: rtnl.Request, seq: int) -> None:
    """Send *req* with our own sequence number and wait for its ACK (so the notification's seq can be compared)."""
    rt.sock.send(codec.encode(req.type, req.flags | C.NLM_F_REQUEST | C.NLM_F_ACK, req.payload, seq, rt.sock.port))
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        r, msgs = rt.sock.recv_messages(2)
        for m in msgs:
            if m.type == C.NLMSG_ERROR and m.seq == seq:
                assert codec.parse_error(m).error == 0
                return
    raise AssertionError("no ACK")


@pytest.fixture
def veth(rt):
    return rt.add_veth("nv0", "nv1")


# -- links ------------------------------------------------------------------------------
def test_veth_creation_notifies_newlink_for_both_ends_with_change_all_ones(netns, rt):
    """register_netdevice -> rtmsg_ifinfo(RTM_NEWLINK, dev, ~0U): each new veth end is announced, ifi_change ~0."""
    with listener(netns, C.RTNLGRP_LINK) as lis:
        a, b = rt.add_veth("nc0", "nc1")
        notes = collect(lis, 2, until=lambda n: len({d["header"]["ifi_index"] for _, d, _ in n}) >= 2)
    new = {d["header"]["ifi_index"]: d for g, d, _ in notes if d["type"] == "RTM_NEWLINK"}
    assert set(new) == {a, b}
    assert {new[a]["attrs"]["IFLA_IFNAME"], new[b]["attrs"]["IFLA_IFNAME"]} == {"nc0", "nc1"}
    assert all(g == C.RTNLGRP_LINK for g, _, _ in notes)
    assert new[a]["header"]["ifi_change"] == ALL_ONES


def test_link_up_with_the_peer_down_notifies_up_without_carrier(netns, rt, veth, observe):
    """dev_change_flags -> rtmsg_ifinfo: IFF_UP in ifi_change, no LOWER_UP; dev_get_flags sets RUNNING iff netif_oper_up.

    The operstate in that first notification differs between kernels (6.1 still
    reports UNKNOWN, hence RUNNING without LOWER_UP; 6.18 LOWERLAYERDOWN), so it
    is recorded, and the rule that ties RUNNING to it is asserted.
    """
    a, _ = veth
    with listener(netns, C.RTNLGRP_LINK) as lis:
        rt.up(a)
        notes = about_link(collect(lis, 1, until=lambda n: about_link(n, a)), a)
    g, d = notes[0]
    assert d["type"] == "RTM_NEWLINK"
    flags = d["header"]["ifi_flags"]
    oper = d["attrs"]["IFLA_OPERSTATE"]
    observe("link.veth_up_peer_down_first_notification_operstate", oper)
    assert d["header"]["ifi_change"] == C.IFF_UP
    assert flags & C.IFF_UP and not flags & C.IFF_LOWER_UP  # veth_open: no carrier while the peer is down
    assert bool(flags & C.IFF_RUNNING) == (oper in (C.IF_OPER_UP, C.IF_OPER_UNKNOWN))
    expect(oper, "link.veth_up_peer_down_first_notification_operstate").since(
        "6.18", C.IF_OPER_LOWERLAYERDOWN, unknown_from="6.2",
        why="measured: 6.18 has run linkwatch's rfc2863_policy (no carrier, a lower link) before NETDEV_UP is "
            "notified, 6.1 has not (IF_OPER_UNKNOWN); the change in between is not pinned").before(C.IF_OPER_UNKNOWN)


def test_link_up_with_the_peer_up_ends_in_up_running_lower_up(netns, rt, veth, observe):
    """veth_open (netif_carrier_on) then linkwatch (rtmsg_ifinfo): the link ends IFF_UP|IFF_RUNNING|IFF_LOWER_UP, oper UP."""
    a, b = veth
    rt.up(b)
    want = C.IFF_UP | C.IFF_RUNNING | C.IFF_LOWER_UP
    with listener(netns, C.RTNLGRP_LINK) as lis:
        rt.up(a)
        notes = about_link(collect(lis, 3, until=lambda n: any(  # linkwatch may take a second to say UP
            d["header"]["ifi_flags"] & want == want and d["attrs"].get("IFLA_OPERSTATE") == C.IF_OPER_UP
            for _, d in about_link(n, a))), a)
    first, last = notes[0][1], notes[-1][1]
    observe("link.veth_up_first_notification_lower_up", bool(first["header"]["ifi_flags"] & C.IFF_LOWER_UP))
    assert first["header"]["ifi_change"] == C.IFF_UP
    assert last["header"]["ifi_flags"] & want == want
    assert last["attrs"]["IFLA_OPERSTATE"] == C.IF_OPER_UP


def test_mtu_change_notifies_newlink_with_the_new_mtu(netns, rt, veth):
    """dev_set_mtu -> NETDEV_CHANGEMTU -> rtnetlink_event -> rtmsg_ifinfo: RTM_NEWLINK carrying the new IFLA_MTU."""
    a, _ = veth
    with listener(netns, C.RTNLGRP_LINK) as lis:
        rt.do(rtnl.set_link(a, mtu=1280))
        notes = about_link(collect(lis, 1, until=lambda n: about_link(n, a)), a)
    assert [d["type"] for _, d in notes] == ["RTM_NEWLINK"]
    assert notes[0][1]["attrs"]["IFLA_MTU"] == 1280


def test_dellink_notifies_dellink_for_both_veth_ends(netns, rt, veth):
    """rollback_registered_many -> rtmsg_ifinfo_build_skb(RTM_DELLINK): both ends are announced gone."""
    a, b = veth
    with listener(netns, C.RTNLGRP_LINK) as lis:
        rt.do(rtnl.del_link(a))
        notes = collect(lis, 2, until=lambda n: sum(d["type"] == "RTM_DELLINK" for _, d, _ in n) >= 2)
    gone = {d["header"]["ifi_index"] for _, d, _ in notes if d["type"] == "RTM_DELLINK"}
    assert gone == {a, b}


def test_link_listener_gets_no_address_notifications(netns, rt, veth):
    """rtmsg_ifa multicasts on RTNLGRP_IPV4_IFADDR only: a socket joined to RTNLGRP_LINK alone does not see it."""
    a, _ = veth
    with listener(netns, C.RTNLGRP_LINK) as lis:
        rt.do(rtnl.new_addr(a, "10.8.0.1", 24))
        notes = collect(lis, 0.4)
    assert [d["type"] for _, d, _ in notes if d.get("object") == "addr"] == []


# -- addresses ---------------------------------------------------------------------------
def test_ipv4_address_add_notifies_newaddr_with_the_request_seq_and_port(netns, rt, veth):
    """inet_rtm_newaddr -> rtmsg_ifa(RTM_NEWADDR, ifa, nlh, portid): the notification carries the request's seq and port."""
    a, _ = veth
    with listener(netns, C.RTNLGRP_IPV4_IFADDR) as lis:
        send_with_seq(rt, rtnl.new_addr(a, "10.8.0.1", 24), 0x5EED01)
        notes = collect(lis, 1, until=lambda n: len(n) >= 1)
    assert len(notes) == 1
    g, d, m = notes[0]
    assert (g, d["type"], d["attrs"]["IFA_LOCAL"], d["header"]["ifa_index"]) == \
        (C.RTNLGRP_IPV4_IFADDR, "RTM_NEWADDR", "10.8.0.1", a)
    assert (m.seq, m.pid) == (0x5EED01, rt.sock.port)


def test_ipv6_address_on_a_down_link_notifies_one_tentative_newaddr(netns, rt, veth):
    """inet6_rtm_newaddr -> ipv6_ifa_notify(RTM_NEWADDR): one RTM_NEWADDR on RTNLGRP_IPV6_IFADDR, PERMANENT|TENTATIVE."""
    a, _ = veth
    with listener(netns, C.RTNLGRP_IPV6_IFADDR) as lis:
        rt.do(rtnl.new_addr(a, "fd00:8::1", 64))
        notes = collect(lis, 0.5)
    assert [(g, d["type"], d["attrs"]["IFA_ADDRESS"]) for g, d, _ in notes] == \
        [(C.RTNLGRP_IPV6_IFADDR, "RTM_NEWADDR", "fd00:8::1")]
    assert notes[0][1]["attrs"]["IFA_FLAGS"] & (C.IFA_F_PERMANENT | C.IFA_F_TENTATIVE) == \
        C.IFA_F_PERMANENT | C.IFA_F_TENTATIVE


@pytest.mark.parametrize("family", ["inet", "inet6"])
def test_address_delete_notifies_deladdr(netns, rt, veth, family):
    """inet_rtm_deladdr -> rtmsg_ifa / inet6_addr_del -> ipv6_ifa_notify: RTM_DELADDR for exactly that address."""
    a, _ = veth
    addr, plen, group = {"inet": ("10.8.0.1", 24, C.RTNLGRP_IPV4_IFADDR),
                         "inet6": ("fd00:8::1", 64, C.RTNLGRP_IPV6_IFADDR)}[family]
    rt.do(rtnl.new_addr(a, addr, plen))
    with listener(netns, group) as lis:
        rt.do(rtnl.new_addr(a, addr, plen, delete=True))
        notes = collect(lis, 0.5)
    assert [(g, d["type"], d["attrs"]["IFA_ADDRESS"]) for g, d, _ in notes] == [(group, "RTM_DELADDR", addr)]


# -- nsid -----------------------------------------------------------------------------------
def test_newnsid_notifies_rtnlgrp_nsid_with_the_request_seq_and_port(netns_pair, observe):
    """rtnl_net_newid -> rtnl_net_notifyid(net, RTM_NEWNSID, id, portid, nlh): RTNLGRP_NSID gets the id, seq and port."""
    a, b = netns_pair
    with rtnl.Rtnl(a) as rt, listener(a, C.RTNLGRP_NSID) as lis:
        send_with_seq(rt, rtnl.new_nsid(6, fd=b.fd), 0x5EED02)
        notes = collect(lis, 1, until=lambda n: len(n) >= 1)
    assert [(g, d["type"], d["attrs"]["NETNSA_NSID"]) for g, d, _ in notes] == \
        [(C.RTNLGRP_NSID, "RTM_NEWNSID", 6)]
    m = notes[0][2]
    observe("nsid.notification_echoes_request_seq", m.seq == 0x5EED02)
    assert (m.seq, m.pid) == (0x5EED02, rt.sock.port)


def test_peer_namespace_going_away_notifies_delnsid(netns):
    """cleanup_net/unhash_nsid -> rtnl_net_notifyid(RTM_DELNSID): when the peer dies its id is announced deleted."""
    peer = NetNS.create()
    with rtnl.Rtnl(netns) as rt, listener(netns, C.RTNLGRP_NSID) as lis:
        rt.do(rtnl.new_nsid(7, fd=peer.fd))
        collect(lis, 0.3, until=lambda n: len(n) >= 1)  # the RTM_NEWNSID
        peer.close()  # last reference: the namespace is cleaned up by a workqueue
        notes = collect(lis, 5, until=lambda n: any(d["type"] == "RTM_DELNSID" for _, d, _ in n))
        left = rt.dump("nsid").all()
    dels = [(g, d["attrs"]["NETNSA_NSID"]) for g, d, _ in notes if d["type"] == "RTM_DELNSID"]
    assert dels == [(C.RTNLGRP_NSID, 7)]
    assert left == []


# -- isolation -----------------------------------------------------------------------------------
def test_listener_hears_nothing_from_another_namespace(netns_pair, observe):
    """rtnl_notify -> nlmsg_multicast(net->rtnl): notifications go to the namespace's own rtnl socket only."""
    a, b = netns_pair
    with listener(a, *GROUPS) as lis, rtnl.Rtnl(b) as rb, NetNS.create() as c:
        x, _ = rb.add_veth("iso0", "iso1")
        rb.up(x)
        rb.do(rtnl.new_addr(x, "10.9.0.1", 24))
        rb.do(rtnl.new_addr(x, "fd00:9::1", 64))
        rb.do(rtnl.new_nsid(3, fd=c.fd))
        rb.do(rtnl.del_link(x))
        notes = collect(lis, 0.5)
    observe("isolation.rtnl_notifications_cross_netns", bool(notes))
    assert [(g, d["type"]) for g, d, _ in notes] == []
