"""Namespace ids: RTM_NEWNSID / RTM_GETNSID (rtnl_net_newid, rtnl_net_getid, rtnl_net_dumpid in net/core/net_namespace.c).

An nsid is a number namespace A gives to namespace B; it is local to A and
not symmetric.  Requests name the peer by NETNSA_FD (an fd of our process).
"""
from __future__ import annotations

import pytest

from netlink_probe import KernelError, NetNS, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.codec import message as M

HEAD = L.RTGENMSG.pack(rtgen_family=C.AF_UNSPEC) + b"\0" * 3  # rtgenmsg padded to 4 as the kernel reads it


def nsid_of(rt, peer) -> int:
    msg = rt.get(rtnl.get_nsid(fd=peer.fd))
    assert msg.type == C.RTM_NEWNSID
    return msg.attrs(4).s32(C.NETNSA_NSID)


def dumped_ids(rt) -> list[int]:
    return sorted(m.attrs(4).s32(C.NETNSA_NSID) for m in rt.dump("nsid").all())


@pytest.fixture
def pair_rt(netns_pair):
    a, b = netns_pair
    with rtnl.Rtnl(a) as r:
        yield r, a, b


def test_getnsid_of_a_peer_without_an_id_answers_not_assigned(pair_rt, observe):
    """rtnl_net_getid/peernet2id: a peer with no id is answered with NETNSA_NSID = NETNSA_NSID_NOT_ASSIGNED (-1)."""
    rt, _, b = pair_rt
    got = nsid_of(rt, b)
    observe("nsid.getnsid_unassigned", got)
    assert got == C.NETNSA_NSID_NOT_ASSIGNED


def test_newnsid_assigns_the_requested_id(pair_rt):
    """rtnl_net_newid/alloc_netid: RTM_NEWNSID with NETNSA_NSID 5 makes GETNSID for that peer answer 5."""
    rt, _, b = pair_rt
    rt.do(rtnl.new_nsid(5, fd=b.fd))
    assert nsid_of(rt, b) == 5


def test_second_id_for_the_same_peer_is_eexist_with_extack_at_the_peer_attribute(pair_rt, observe):
    """rtnl_net_newid: a peer that already has an id is EEXIST "Peer netns already has a nsid assigned" at NETNSA_FD."""
    rt, _, b = pair_rt
    rt.do(rtnl.new_nsid(5, fd=b.fd))
    with pytest.raises(KernelError) as ei:
        rt.do(rtnl.new_nsid(6, fd=b.fd))
    e = ei.value
    observe("nsid.second_id_same_peer", e.errno_name)
    assert e.errno_name == "EEXIST"
    assert e.extack_msg == "Peer netns already has a nsid assigned"
    assert e.extack_offset == M.HDRLEN + len(HEAD)  # NETNSA_FD is the first attribute of our request
    assert nsid_of(rt, b) == 5


def test_an_id_used_for_another_peer_is_eexist_with_extack_at_the_nsid_attribute(netns_pair, observe):
    """rtnl_net_newid/alloc_netid: an nsid already given to another peer is EEXIST "The specified nsid is already used"."""
    a, b = netns_pair
    with NetNS.create() as c, rtnl.Rtnl(a) as rt:
        rt.do(rtnl.new_nsid(5, fd=b.fd))
        with pytest.raises(KernelError) as ei:
            rt.do(rtnl.new_nsid(5, fd=c.fd))
        e = ei.value
        observe("nsid.id_in_use", e.errno_name)
        assert e.errno_name == "EEXIST"
        assert e.extack_msg == "The specified nsid is already used"
        assert e.extack_offset == M.HDRLEN + len(HEAD) + len(A.u32(C.NETNSA_FD, 0))
        assert nsid_of(rt, c) == C.NETNSA_NSID_NOT_ASSIGNED


def test_newnsid_minus_one_allocates_the_lowest_free_id(pair_rt, observe):
    """rtnl_net_newid/alloc_netid: NETNSA_NSID -1 asks the kernel to choose: idr_alloc gives the lowest free id, 0."""
    rt, _, b = pair_rt
    rt.do(rtnl.new_nsid(-1, fd=b.fd))
    got = nsid_of(rt, b)
    observe("nsid.auto_allocated_first", got)
    assert got == 0


def test_nsid_dump_lists_every_assigned_id(netns_pair):
    """rtnl_net_dumpid: RTM_GETNSID with NLM_F_DUMP lists one RTM_NEWNSID per assigned id."""
    a, b = netns_pair
    with NetNS.create() as c, rtnl.Rtnl(a) as rt:
        assert dumped_ids(rt) == []
        rt.do(rtnl.new_nsid(3, fd=b.fd))
        rt.do(rtnl.new_nsid(7, fd=c.fd))
        assert dumped_ids(rt) == [3, 7]


def test_an_nsid_is_not_symmetric(pair_rt, observe):
    """rtnl_net_newid: an id A gives B is A's alone; B still has no id for A, and GETNSID does not allocate one."""
    rt, a, b = pair_rt
    rt.do(rtnl.new_nsid(5, fd=b.fd))
    with rtnl.Rtnl(b) as rb:
        back = nsid_of(rb, a)
        observe("nsid.symmetric", back != C.NETNSA_NSID_NOT_ASSIGNED)
        assert back == C.NETNSA_NSID_NOT_ASSIGNED
        assert dumped_ids(rb) == []


def test_a_namespace_may_give_itself_an_id(pair_rt, observe):
    """rtnl_net_newid: the peer may be the namespace itself (peernet2id of net for net); GETNSID then answers it."""
    rt, a, _ = pair_rt
    try:
        rt.do(rtnl.new_nsid(9, fd=a.fd))
        result = "ok"
    except KernelError as e:
        result = e.errno_name
    observe("nsid.self_assign", result)
    assert result == "ok"
    assert nsid_of(rt, a) == 9


def test_newnsid_without_a_peer_reference_is_einval_with_extack(pair_rt, observe):
    """rtnl_net_newid: neither NETNSA_PID nor NETNSA_FD is EINVAL "Peer netns reference is missing"."""
    rt, _, _ = pair_rt
    with pytest.raises(KernelError) as ei:
        rt.do(rtnl.Request(C.RTM_NEWNSID, 0, HEAD + A.s32(C.NETNSA_NSID, 4)))
    observe("nsid.newnsid_without_peer", ei.value.errno_name)
    assert ei.value.errno_name == "EINVAL"
    assert ei.value.extack_msg == "Peer netns reference is missing"


def test_newnsid_without_an_nsid_is_einval_with_extack(pair_rt, observe):
    """rtnl_net_newid: a peer reference without NETNSA_NSID is EINVAL "nsid is missing"."""
    rt, _, b = pair_rt
    with pytest.raises(KernelError) as ei:
        rt.do(rtnl.Request(C.RTM_NEWNSID, 0, HEAD + A.u32(C.NETNSA_FD, b.fd)))
    observe("nsid.newnsid_without_nsid", ei.value.errno_name)
    assert ei.value.errno_name == "EINVAL"
    assert ei.value.extack_msg == "nsid is missing"


def test_newnsid_with_an_fd_that_is_not_a_namespace_is_einval(pair_rt, observe):
    """rtnl_net_newid/get_net_ns_by_fd: an fd that is not a netns is EINVAL "Peer netns reference is invalid"."""
    rt, _, _ = pair_rt
    with pytest.raises(KernelError) as ei:
        rt.do(rtnl.new_nsid(4, fd=rt.sock.fd))  # a netlink socket, not a namespace
    observe("nsid.newnsid_bad_fd", ei.value.errno_name)
    assert ei.value.errno_name == "EINVAL"
    assert ei.value.extack_msg == "Peer netns reference is invalid"
    assert ei.value.extack_offset == M.HDRLEN + len(HEAD)


def test_delnsid_request_is_eopnotsupp(pair_rt, observe):
    """rtnetlink_rcv_msg: RTM_DELNSID has no doit handler (ids go away with the peer), so the request is EOPNOTSUPP."""
    rt, _, b = pair_rt
    rt.do(rtnl.new_nsid(5, fd=b.fd))
    with pytest.raises(KernelError) as ei:
        rt.do(rtnl.Request(C.RTM_DELNSID, 0, HEAD + A.s32(C.NETNSA_NSID, 5)))
    observe("nsid.delnsid_request", ei.value.errno_name)
    assert ei.value.errno_name == "EOPNOTSUPP"
    assert nsid_of(rt, b) == 5


def test_veth_peer_in_another_namespace_allocates_an_id_shown_as_ifla_link_netnsid(pair_rt, observe):
    """rtnl_fill_link_netnsid/peernet2id_alloc: a veth whose peer lives in B reports B's id, allocated on demand."""
    rt, _, b = pair_rt
    rt.do(rtnl.new_link("xn0", "veth", rtnl.veth_peer("xn1", net_ns_fd=b.fd)))
    attrs = rt.get(rtnl.get_link(name="xn0")).attrs(L.IFINFOMSG.size)
    shown = attrs.s32(C.IFLA_LINK_NETNSID)
    observe("nsid.allocated_for_veth_peer", shown is not None and shown >= 0)
    assert shown is not None and shown >= 0
    assert nsid_of(rt, b) == shown
