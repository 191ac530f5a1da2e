"""Route and neighbour notifications: what the kernel multicasts on RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE
and RTNLGRP_NEIGH for each change, and that nothing crosses into another namespace."""
import pytest
from support.routes import collect, kernel_error, listener, make_net, request_seq, SILENCE
from support.multicast import group_bit

from netlink_probe import constants as C
from netlink_probe import rtnl
from netlink_probe.codec import flags_names, flags_text
from netlink_probe.codec import rtnl as R

ROUTE = {"inet": (C.AF_INET, C.RTNLGRP_IPV4_ROUTE, "10.9.0.0", 16),
         "inet6": (C.AF_INET6, C.RTNLGRP_IPV6_ROUTE, "fd09::", 64)}
fam_params = pytest.mark.parametrize("fam", ["inet", "inet6"])
SEQ = 0x5EED0001


def _about(notes, dst):
    return [n for n in notes if R.decode(n.message)["attrs"].get("RTA_DST") == dst]


@fam_params
def test_new_route_is_multicast_once_with_excl_create_and_the_requesters_seq_and_port(net, fam, observe):
    """rtmsg_fib / inet6_rt_notify: one RTM_NEWROUTE to the family's route group, echoing the request's seq and port."""
    family, group, dst, plen = ROUTE[fam]
    with listener(net.ns, group) as lis:
        request_seq(net.rt, rtnl.route(dst, plen, gateway=net.peer(family)), SEQ)
        notes = _about(collect(lis), dst)
    assert len(notes) == 1, notes
    n = notes[0]
    d = R.decode(n.message)
    observe(f"route.notify_flags.add.{fam}", flags_names(n.message.type, n.message.flags))
    assert n.message.type == C.RTM_NEWROUTE
    assert n.message.flags == C.NLM_F_EXCL | C.NLM_F_CREATE  # fib_table_insert / fib6_add_rt2node: a new route
    assert (n.message.seq, n.message.pid) == (SEQ, net.rt.sock.port)
    assert n.src_groups == group_bit(group)
    assert (d["header"]["rtm_dst_len"], d["attrs"]["RTA_GATEWAY"], d["attrs"]["RTA_TABLE"]) == \
        (plen, net.peer(family), C.RT_TABLE_MAIN)


@fam_params
@pytest.mark.parametrize("op", ["replace", "append"])
def test_replacing_or_appending_a_route_is_multicast_with_that_flag(net, fam, op, observe):
    """fib_table_insert / fib6_add_rt2node: the RTM_NEWROUTE notification carries REPLACE, or CREATE|APPEND."""
    family, group, dst, plen = ROUTE[fam]
    net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family)))
    flag = C.NLM_F_REPLACE if op == "replace" else C.NLM_F_APPEND
    with listener(net.ns, group) as lis:
        net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family, second=True), flags=C.NLM_F_CREATE | flag))
        notes = _about(collect(lis), dst)
    observe(f"route.notify_flags.{op}.{fam}", [flags_text(n.message.type, n.message.flags) for n in notes])
    assert [n.message.type for n in notes] == [C.RTM_NEWROUTE]
    want = C.NLM_F_REPLACE if op == "replace" else C.NLM_F_CREATE | C.NLM_F_APPEND
    assert notes[0].message.flags == want


@fam_params
def test_deleted_route_is_multicast_as_delroute(net, fam):
    """fib_table_delete / fib6_del_route: one RTM_DELROUTE describing the removed route."""
    family, group, dst, plen = ROUTE[fam]
    net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family)))
    with listener(net.ns, group) as lis:
        request_seq(net.rt, rtnl.route(dst, plen, gateway=net.peer(family), cmd=C.RTM_DELROUTE, flags=0), SEQ)
        notes = _about(collect(lis), dst)
    assert [n.message.type for n in notes] == [C.RTM_DELROUTE]
    assert (notes[0].message.seq, notes[0].message.pid) == (SEQ, net.rt.sock.port)
    assert R.decode(notes[0].message)["attrs"]["RTA_GATEWAY"] == net.peer(family)


def test_a_failed_route_request_is_not_multicast(net):
    """inet_rtm_newroute: an EEXIST refusal changes nothing, so rtmsg_fib is never called."""
    net.rt.do(rtnl.route("10.9.0.0", 16, gateway="10.1.0.2"))
    with listener(net.ns, C.RTNLGRP_IPV4_ROUTE) as lis:
        kernel_error(net.rt.do, rtnl.route("10.9.0.0", 16, gateway="10.1.0.2"))
        assert collect(lis, SILENCE) == []


@fam_params
def test_route_groups_are_per_family(net, fam):
    """rtmsg_fib sends to RTNLGRP_IPV4_ROUTE only, inet6_rt_notify to RTNLGRP_IPV6_ROUTE only."""
    family, group, dst, plen = ROUTE[fam]
    other = C.RTNLGRP_IPV6_ROUTE if family == C.AF_INET else C.RTNLGRP_IPV4_ROUTE
    with listener(net.ns, other) as lis:
        net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family)))
        assert _about(collect(lis, SILENCE), dst) == []


@pytest.mark.parametrize("fam", ["inet", "inet6"])
def test_new_neighbour_is_multicast_once_with_the_requesters_port_and_seq_zero(quiet_net, fam, observe):
    """neigh_add -> neigh_update_notify -> __neigh_notify(RTM_NEWNEIGH, 0, nlmsg_pid): seq 0, requester's port."""
    dst = "10.1.0.7" if fam == "inet" else "fd00::7"
    with listener(quiet_net.ns, C.RTNLGRP_NEIGH) as lis:
        request_seq(quiet_net.rt, rtnl.neigh(quiet_net.a, dst, "02:00:00:00:00:07"), SEQ)
        notes = collect(lis)
    observe(f"neigh.notify_seq.add.{fam}", notes[0].message.seq if notes else "silent")
    assert [n.message.type for n in notes] == [C.RTM_NEWNEIGH]
    n = notes[0]
    d = R.decode(n.message)
    assert (n.message.seq, n.message.pid, n.message.flags) == (0, quiet_net.rt.sock.port, 0)
    assert n.src_groups == group_bit(C.RTNLGRP_NEIGH)
    assert (d["attrs"]["NDA_DST"], d["attrs"]["NDA_LLADDR"], d["header"]["ndm_state"]) == \
        (dst, "02:00:00:00:00:07", C.NUD_PERMANENT)


def test_neighbour_update_that_changes_nothing_is_not_multicast(quiet_net, observe):
    """__neigh_update: CREATE without REPLACE on a PERMANENT entry returns before notifying."""
    quiet_net.rt.do(rtnl.neigh(quiet_net.a, "10.1.0.7", "02:00:00:00:00:07"))
    with listener(quiet_net.ns, C.RTNLGRP_NEIGH) as lis:
        quiet_net.rt.do(rtnl.neigh(quiet_net.a, "10.1.0.7", "02:00:00:00:00:08", flags=C.NLM_F_CREATE))
        notes = collect(lis, SILENCE)
    observe("neigh.notify.create_without_replace", "silent" if not notes else len(notes))
    assert notes == []


def test_neighbour_replace_is_multicast_with_the_new_lladdr(quiet_net):
    """neigh_add with NLM_F_REPLACE: __neigh_update changes the lladdr and notifies RTM_NEWNEIGH."""
    quiet_net.rt.do(rtnl.neigh(quiet_net.a, "10.1.0.7", "02:00:00:00:00:07"))
    with listener(quiet_net.ns, C.RTNLGRP_NEIGH) as lis:
        quiet_net.rt.do(rtnl.neigh(quiet_net.a, "10.1.0.7", "02:00:00:00:00:08",
                                   flags=C.NLM_F_CREATE | C.NLM_F_REPLACE))
        notes = collect(lis)
    assert [(n.message.type, R.decode(n.message)["attrs"]["NDA_LLADDR"]) for n in notes] == \
        [(C.RTM_NEWNEIGH, "02:00:00:00:00:08")]


@pytest.mark.parametrize("fam", ["inet", "inet6"])
def test_neighbour_delete_is_multicast_as_failed_newneigh_then_delneigh(quiet_net, fam, observe):
    """neigh_delete: __neigh_update(NUD_FAILED) notifies RTM_NEWNEIGH, then neigh_remove_one sends RTM_DELNEIGH."""
    dst = "10.1.0.7" if fam == "inet" else "fd00::7"
    quiet_net.rt.do(rtnl.neigh(quiet_net.a, dst, "02:00:00:00:00:07"))
    with listener(quiet_net.ns, C.RTNLGRP_NEIGH) as lis:
        quiet_net.rt.do(rtnl.neigh(quiet_net.a, dst, None, cmd=C.RTM_DELNEIGH, flags=0))
        notes = collect(lis)
    seen = [(n.message.type_name, R.decode(n.message)["header"]["ndm_state"]) for n in notes]
    observe(f"neigh.notify.delete.{fam}", [f"{t}:{s}" for t, s in seen])
    assert seen == [("RTM_NEWNEIGH", C.NUD_FAILED), ("RTM_DELNEIGH", C.NUD_FAILED)]
    assert all(R.decode(n.message)["attrs"]["NDA_DST"] == dst for n in notes)


def test_changes_in_one_namespace_are_not_multicast_into_another(netns_pair, observe):
    """rtnl_notify -> nlmsg_notify(net->rtnl): route and neighbour groups are per network namespace."""
    a_ns, b_ns = netns_pair
    groups = (C.RTNLGRP_IPV4_ROUTE, C.RTNLGRP_IPV6_ROUTE, C.RTNLGRP_NEIGH)
    with rtnl.Rtnl(a_ns) as ra, listener(a_ns, *groups) as here, listener(b_ns, *groups) as there:
        net = make_net(a_ns, ra, up=False, addresses=False)
        ra.do(rtnl.route("10.30.0.0", 24, rtype=C.RTN_BLACKHOLE))
        ra.do(rtnl.route("fd30::", 64, rtype=C.RTN_BLACKHOLE))
        ra.do(rtnl.neigh(net.a, "10.1.0.7", "02:00:00:00:00:07"))
        ra.do(rtnl.neigh(net.a, "10.1.0.7", None, cmd=C.RTM_DELNEIGH, flags=0))
        heard_here = collect(here)
        heard_there = collect(there, SILENCE)
    observe("isolation.route_neigh_notifications_cross_netns", bool(heard_there))
    kinds = {n.message.type for n in heard_here}
    assert {C.RTM_NEWROUTE, C.RTM_NEWNEIGH, C.RTM_DELNEIGH} <= kinds  # the changes were multicast at home
    assert heard_there == []
