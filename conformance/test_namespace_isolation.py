"""Namespace isolation: every network namespace has its own rtnetlink kernel socket (net->rtnl).

A netlink socket belongs to the namespace it was created in (sk_alloc(net, ...) in netlink_create /
__netlink_create), for ever: requests go to that namespace's kernel socket (netlink_unicast looks the
kernel socket up by sock_net(ssk)), and do_one_broadcast delivers a namespace's notifications only to
sockets of that namespace — unless the socket set NETLINK_LISTEN_ALL_NSID and the peer namespace has
an id in the listener's namespace, in which case the id travels in a SOL_NETLINK cmsg
(netlink_cmsg_listen_all_nsid).  IFLA_TARGET_NETNSID / IFA_TARGET_NETNSID let a dump look into a peer
through the id (rtnl_get_net_ns_capable).
"""
from __future__ import annotations

import errno
import time

import pytest
from support.expect import expect, kernel_version
from support.raw_io import address_of, ipv4_addresses, link_names, target_attr_link_dump

from netlink_probe import KernelError, Socket, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.errors import errno_name
from netlink_probe.netns import entered, inode_of_current

IFADDR = C.RTNLGRP_IPV4_IFADDR
_SERIES_MAINTAINED_IN_JUNE_2026 = {(5, 10), (5, 15), (6, 1), (6, 6), (6, 12), (6, 18), (7, 0)}  # kernel.org stable
QUIET = 0.3


def heard(sock, timeout: float = QUIET) -> list:
    """[(address, nsid)] of the RTM_NEWADDR notifications that arrive within *timeout*."""
    return [(address_of(n.message), n.nsid) for n in sock.notifications(timeout)
            if not isinstance(n, Exception) and n.message.type == C.RTM_NEWADDR]


def heard_until(sock, want: str, timeout: float = 2.0) -> list:
    """Notifications until one for address *want* has arrived, then whatever else is queued.

    rtmsg_ifa -> rtnl_notify -> netlink_broadcast runs inside the RTM_NEWADDR request, before its ACK, so
    once the request that added *want* (the last one) is acknowledged, every notification is queued.
    """
    out, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline and not any(a == want for a, _ in out):
        out += heard(sock, 0.05)
    return out + heard(sock, 0.02)


def add_addr(ns, address: str) -> None:
    with rtnl.Rtnl(ns) as r:
        r.do(rtnl.new_addr(1, address, 32))


# -- plain isolation ------------------------------------------------------------------------------------
def test_address_dump_lists_only_the_sockets_own_namespace(netns_pair, observe):
    """inet_dump_ifaddr walks sock_net(skb->sk) only: a peer's addresses never appear."""
    a, b = netns_pair
    add_addr(a, "10.61.0.1")
    add_addr(b, "10.61.0.2")
    with Socket(netns=a) as s:
        seen = ipv4_addresses(s)
    observe("isolation.dump_shows_other_netns", "10.61.0.2" in seen)
    assert sorted(seen) == ["10.61.0.1", "127.0.0.1"]


def test_link_dump_lists_only_the_sockets_own_namespace(netns_pair):
    """rtnl_dump_ifinfo iterates the socket's namespace (tgt_net defaults to sock_net(skb->sk))."""
    a, b = netns_pair
    with rtnl.Rtnl(b) as rb:
        rb.add_veth("iso-b0", "iso-b1")
    with rtnl.Rtnl(a) as ra:
        assert link_names(ra.dump("links").all()) == ["lo"]


def test_socket_keeps_its_namespace_after_the_thread_moves(netns_pair, observe):
    """netlink_create binds the socket to current->nsproxy->net_ns once; a later setns() does not move it."""
    a, b = netns_pair
    add_addr(a, "10.62.0.1")
    add_addr(b, "10.62.0.2")
    with Socket(netns=a) as s:
        with entered(b):
            assert inode_of_current() == b.inode
            seen = ipv4_addresses(s)
            with Socket() as fresh:  # control: a socket opened now lives in b
                seen_fresh = ipv4_addresses(fresh)
    observe("isolation.socket_follows_setns", "10.62.0.2" in seen)
    assert sorted(seen) == ["10.62.0.1", "127.0.0.1"]
    assert sorted(seen_fresh) == ["10.62.0.2", "127.0.0.1"]


def test_socket_keeps_hearing_its_own_namespace_after_the_thread_moves(netns_pair, observe):
    """do_one_broadcast: net_eq(sock_net(sk), p->net): delivery follows the socket's namespace, not the thread's."""
    a, b = netns_pair
    with Socket(netns=a) as lis:
        lis.join(IFADDR)
        with entered(b):
            add_addr(b, "10.63.0.2")
            add_addr(a, "10.63.0.1")
            got = heard_until(lis, "10.63.0.1")
    observe("isolation.notifications_follow_setns", any(x == "10.63.0.2" for x, _ in got))
    assert got == [("10.63.0.1", None)]


def test_requests_change_the_sockets_namespace_not_the_threads(netns_pair):
    """netlink_unicast -> netlink_getsockbyportid(ssk, 0): the kernel socket is sock_net(ssk)->rtnl."""
    a, b = netns_pair
    req = rtnl.new_addr(1, "10.64.0.1", 32)
    with Socket(netns=a) as s_a:
        with entered(b):
            s_a.request(req.type, req.flags, req.payload)
    with Socket(netns=a) as s_a2, Socket(netns=b) as s_b:
        assert "10.64.0.1" in ipv4_addresses(s_a2)
        assert "10.64.0.1" not in ipv4_addresses(s_b)


# -- NETLINK_LISTEN_ALL_NSID ----------------------------------------------------------------------------
@pytest.fixture
def all_nsid(netns_pair):
    """(a, b, listener): a socket in a with LISTEN_ALL_NSID, joined to RTNLGRP_IPV4_IFADDR."""
    a, b = netns_pair
    with Socket(netns=a, listen_all_nsid=True) as lis:
        lis.join(IFADDR)
        yield a, b, lis


def assign(ns, peer, nsid: int) -> None:
    with rtnl.Rtnl(ns) as r:
        r.do(rtnl.new_nsid(nsid, fd=peer.fd))


def test_listen_all_nsid_hears_nothing_from_a_peer_without_an_id(all_nsid, observe):
    """do_one_broadcast: '!peernet_has_id(sock_net(sk), p->net) -> return' — no id, no delivery."""
    a, b, lis = all_nsid
    add_addr(b, "10.65.0.2")
    add_addr(a, "10.65.0.1")
    got = heard_until(lis, "10.65.0.1")
    observe("nsid.listen_all.peer_without_id", "silent" if all(x != "10.65.0.2" for x, _ in got) else "heard")
    assert got == [("10.65.0.1", None)]


def test_listen_all_nsid_delivers_a_peers_notification_with_its_id_in_a_cmsg(all_nsid, observe):
    """do_one_broadcast sets NETLINK_CB(skb).nsid = peernet2id(); netlink_recvmsg puts it in a SOL_NETLINK cmsg."""
    a, b, lis = all_nsid
    assign(a, b, 41)
    add_addr(b, "10.66.0.2")
    got = heard_until(lis, "10.66.0.2")
    observe("nsid.listen_all.peer_with_id", "cmsg" if got and got[0][1] == 41 else "other")
    assert got == [("10.66.0.2", 41)]


def test_listen_all_nsid_local_notifications_carry_no_nsid(all_nsid, observe):
    """netlink_cmsg_listen_all_nsid: no cmsg unless NETLINK_CB(skb).nsid_is_set; local messages have no peer id."""
    a, b, lis = all_nsid
    assign(a, b, 42)
    add_addr(a, "10.67.0.1")
    got = heard_until(lis, "10.67.0.1")
    observe("nsid.listen_all.local_cmsg", "none" if got == [("10.67.0.1", None)] else "present")
    assert got == [("10.67.0.1", None)]


def test_listen_all_nsid_local_notification_when_the_namespace_has_an_id_for_itself(all_nsid, observe):
    """do_one_broadcast: since 88b126b39f97 ('net: netlink: don't set nsid on local notifications', 7.1-rc,
    stable June 2026) 'if (!net_eq(sock_net(sk), p->net))' guards the peernet2id() call, so local messages are
    never tagged; before it, peernet2id(net, net) tagged them with the namespace's id for itself (43 here)."""
    a, b, lis = all_nsid
    assign(a, a, 43)
    add_addr(a, "10.68.0.1")
    got = heard_until(lis, "10.68.0.1")
    observe("nsid.listen_all.local_with_self_id", "none" if got and got[0][1] is None else got[0][1] if got else
            "silent")
    series = kernel_version()[:2]
    expect(got, "nsid.listen_all.local_with_self_id").when(
        series < (7, 1) and series not in _SERIES_MAINTAINED_IN_JUNE_2026, [("10.68.0.1", 43)], name="eol_series",
        why="a series that reached end of life before June 2026 never got 88b126b39f97").since(
        "7.1", [("10.68.0.1", None)],
        why="88b126b39f97 'net: netlink: don't set nsid on local notifications' (do_one_broadcast)",
        # the stable review series that carried the backport ([PATCH x.y NNN/MMM] x.y.z-rc1 review); 5.15 unknown
        backports={"7.0": "7.0.12", "6.18": "6.18.35", "6.12": "6.12.93", "6.6": "6.6.143", "6.1": "6.1.176",
                   "5.10": "5.10.259"}).before([("10.68.0.1", 43)])


def test_without_listen_all_nsid_a_peer_with_an_id_stays_unheard(netns_pair, observe):
    """do_one_broadcast: a foreign namespace is skipped unless the socket has NETLINK_F_LISTEN_ALL_NSID."""
    a, b = netns_pair
    assign(a, b, 44)
    with Socket(netns=a) as lis:
        lis.join(IFADDR)
        add_addr(b, "10.69.0.2")
        add_addr(a, "10.69.0.1")
        got = heard_until(lis, "10.69.0.1")
    observe("nsid.listen_all.peer_with_id_option_off", "silent" if len(got) == 1 else "heard")
    assert got == [("10.69.0.1", None)]


def test_listen_all_nsid_reads_back_through_getsockopt(netns, observe):
    """netlink_getsockopt(NETLINK_LISTEN_ALL_NSID) reports the NETLINK_F_LISTEN_ALL_NSID flag.

    Older kernels (6.1) have no getsockopt case for this option and answer
    ENOPROTOOPT: recorded, then skipped.
    """
    with Socket(netns=netns) as s:
        try:
            before = s.get_option("listen_all_nsid")
        except OSError as e:
            observe("nsid.listen_all.getsockopt", errno_name(e.errno))
            if e.errno == errno.ENOPROTOOPT:
                pytest.skip("getsockopt(NETLINK_LISTEN_ALL_NSID) answered ENOPROTOOPT: this kernel's "
                            "netlink_getsockopt() has no case for it")
            raise
        observe("nsid.listen_all.getsockopt", "ok")
        s.set_option("listen_all_nsid")
        assert (before, s.get_option("listen_all_nsid")) == (0, 1)


def _set_listen_all_nsid() -> str:
    with Socket(bind=False) as s:
        try:
            s.set_option("listen_all_nsid")
            return "ok"
        except OSError as e:
            return errno_name(e.errno)


@pytest.mark.parametrize("context", ["nobody+CAP_NET_BROADCAST", "nobody+CAP_NET_ADMIN"])
def test_listen_all_nsid_needs_cap_net_broadcast_in_the_namespaces_user_ns(netns, run_as, context, observe):
    """netlink_setsockopt: 'if (!ns_capable(sock_net(sk)->user_ns, CAP_NET_BROADCAST)) return -EPERM'."""
    got = run_as(context, _set_listen_all_nsid, netns=netns)
    observe(f"nsid.listen_all.setsockopt.{context}", got)
    assert got == ("ok" if context == "nobody+CAP_NET_BROADCAST" else "EPERM")


# -- IFLA_TARGET_NETNSID / IFA_TARGET_NETNSID -----------------------------------------------------------------
def link_dump(sock, payload: bytes):
    return sock.dump(C.RTM_GETLINK, payload).all()


def test_link_dump_with_target_netnsid_lists_the_peers_links_tagged_with_the_id(netns_pair, observe):
    """rtnl_dump_ifinfo: IFLA_TARGET_NETNSID -> rtnl_get_net_ns_capable(); each link carries IFLA_IF_NETNSID."""
    a, b = netns_pair
    with rtnl.Rtnl(b) as rb:
        rb.add_veth("tgt-b0", "tgt-b1")
    assign(a, b, 45)
    with Socket(netns=a) as s:
        ms = link_dump(s, target_attr_link_dump(45))
    tags = {m.attrs(L.IFINFOMSG.size).s32(C.IFLA_IF_NETNSID) for m in ms}
    observe("nsid.target.link_dump", "ok")
    assert sorted(link_names(ms)) == ["lo", "tgt-b0", "tgt-b1"]
    assert tags == {45}


def test_link_dump_with_an_unassigned_target_netnsid_fails_in_done(netns, observe):
    """rtnl_get_net_ns_capable: get_net_ns_by_id() finds nothing -> -EINVAL, 'Invalid target network namespace id'."""
    with Socket(netns=netns) as s:
        with pytest.raises(KernelError) as ei:
            link_dump(s, target_attr_link_dump(46))
    e = ei.value
    observe("nsid.target.link_dump_unassigned", e.errno_name)
    assert (e.errno_name, e.extack_msg) == ("EINVAL", "Invalid target network namespace id")
    assert e.info.echo_header is None  # it came in NLMSG_DONE, not NLMSG_ERROR


def test_getlink_with_target_netnsid_answers_from_the_peer(netns_pair, observe):
    """rtnl_getlink: IFLA_TARGET_NETNSID switches the lookup to the peer; the reply carries IFLA_IF_NETNSID."""
    a, b = netns_pair
    with rtnl.Rtnl(b) as rb:
        rb.add_veth("tgt-c0", "tgt-c1")
    assign(a, b, 47)
    with rtnl.Rtnl(a) as ra:
        m = ra.get(rtnl.Request(C.RTM_GETLINK, 0, L.IFINFOMSG.pack() + A.string(C.IFLA_IFNAME, "tgt-c0")
                                + A.s32(C.IFLA_TARGET_NETNSID, 47)))
    attrs = m.attrs(L.IFINFOMSG.size)
    observe("nsid.target.getlink", "ok")
    assert (attrs.str(C.IFLA_IFNAME), attrs.s32(C.IFLA_IF_NETNSID)) == ("tgt-c0", 47)


def test_getlink_with_an_unassigned_target_netnsid_is_einval(netns, observe):
    """rtnl_getlink: rtnl_get_net_ns_capable() -> ERR_PTR(-EINVAL) for an id nobody holds."""
    with rtnl.Rtnl(netns) as r:
        with pytest.raises(KernelError) as ei:
            r.get(rtnl.Request(C.RTM_GETLINK, 0, L.IFINFOMSG.pack() + A.string(C.IFLA_IFNAME, "lo")
                               + A.s32(C.IFLA_TARGET_NETNSID, 48)))
    observe("nsid.target.getlink_unassigned", ei.value.errno_name)
    assert ei.value.errno == errno.EINVAL


def addr_dump_with_target(ns, nsid: int, strict: bool) -> list[str]:
    with Socket(netns=ns, strict=strict) as s:
        ms = s.dump(C.RTM_GETADDR, L.IFADDRMSG.pack(ifa_family=C.AF_INET) + A.s32(C.IFA_TARGET_NETNSID, nsid)).all()
    return sorted(address_of(m) for m in ms)


def test_address_dump_honours_ifa_target_netnsid_under_strict_check(netns_pair, observe):
    """inet_valid_dump_ifaddr_req (strict only) reads IFA_TARGET_NETNSID; inet_dump_ifaddr then walks the peer."""
    a, b = netns_pair
    add_addr(b, "10.70.0.2")
    assign(a, b, 49)
    got = addr_dump_with_target(a, 49, strict=True)
    observe("nsid.target.addr_dump_strict", "peer" if "10.70.0.2" in got else "own")
    assert got == ["10.70.0.2", "127.0.0.1"]


def test_address_dump_ignores_ifa_target_netnsid_without_strict_check(netns_pair, observe):
    """inet_dump_ifaddr: the request is parsed only 'if (cb->strict_check)'; a lax dump lists its own namespace."""
    a, b = netns_pair
    add_addr(a, "10.71.0.1")
    add_addr(b, "10.71.0.2")
    assign(a, b, 50)
    got = addr_dump_with_target(a, 50, strict=False)
    observe("nsid.target.addr_dump_lax", "own" if "10.71.0.1" in got else "peer")
    assert got == ["10.71.0.1", "127.0.0.1"]


# -- RTM_NEWNSID / RTM_DELNSID reach only the namespace that holds the id ---------------------------------------
def test_nsid_notifications_stay_in_the_namespace_that_holds_the_id(netns_pair, observe):
    """rtnl_net_newid -> rtnl_net_notifyid(net, ...) multicasts on net's RTNLGRP_NSID, never on the peer's."""
    a, b = netns_pair
    with Socket(netns=a) as in_a, Socket(netns=b) as in_b:
        in_a.join(C.RTNLGRP_NSID)
        in_b.join(C.RTNLGRP_NSID)
        assign(a, b, 51)
        # rtnl_net_notifyid runs inside the RTM_NEWNSID request: both queues are final once it is acked
        got_a = [n.message.type for n in in_a.notifications(0.05) if not isinstance(n, Exception)]
        got_b = [n.message.type for n in in_b.notifications(0.05) if not isinstance(n, Exception)]
    observe("isolation.newnsid_heard_by_peer", bool(got_b))
    assert got_a == [C.RTM_NEWNSID]
    assert got_b == []

