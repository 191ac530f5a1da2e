"""`netlink-probe monitor` run as a subprocess inside a fresh namespace, fed by real kernel events.

Which groups above 32 carry notifications is kernel-dependent (RTM_NEWMULTICAST on
RTNLGRP_IPV4_MCADDR / RTNLGRP_IPV6_MCADDR arrived in 6.13; the 6.1 headers end at
RTNLGRP_STATS = 36), so it is measured first with one plain socket per group (the
socket a notification arrives on names its group without NETLINK_PKTINFO), then the
command must report the same groups through NETLINK_PKTINFO.
"""
from __future__ import annotations

import time

import pytest

from netlink_probe import NetNS, Socket, rtnl
from netlink_probe import constants as C
from netlink_probe import kernel_info
from netlink_probe.kernel_info import group_range
from support.monitor import Monitor

def veth_up_with_addresses(ns) -> None:
    """The trigger (shared with kernel-info's probe)."""
    kernel_info.veth_up_with_addresses(ns, ("mon-a", "mon-b"))


def high_groups_notified() -> tuple[int, dict[int, set[int]], int]:
    """(the highest group NETLINK_ROUTE accepts, {group > 32: message types}, how many) for the trigger."""
    kmax = group_range(C.NETLINK_ROUTE)["max"] or 0
    seen: dict[int, set[int]] = {}
    count = 0
    with NetNS.create() as ns:
        rtnl.loopback_up(ns)  # as the netns fixture the monitor runs in has it
        socks = {}
        try:
            for g in range(33, kmax + 1):
                s = Socket(C.NETLINK_ROUTE, netns=ns)
                s.join(g)
                socks[g] = s
            veth_up_with_addresses(ns)
            time.sleep(0.05)
            for g, s in socks.items():
                for n in s.notifications(timeout=0.0, yield_overruns=False):
                    seen.setdefault(g, set()).add(n.message.type)
                    count += 1
        finally:
            for s in socks.values():
                s.close()
    return kmax, seen, count


def test_monitor_prints_a_link_notification_with_its_group(netns):
    """rtmsg_ifinfo -> rtnl_notify(RTNLGRP_LINK): the command shows RTM_NEWLINK of the new veth on group 1."""
    mon = Monitor("--group", "link", "--netns", netns.path, "--count", "2", "--timeout", "10")
    veth_up_with_addresses(netns)
    recs = mon.records()
    assert recs, f"no notification printed; monitor stderr: {mon.ready_line!r} {mon.stderr!r}"
    assert all(r["group"] == C.RTNLGRP_LINK and r["group_name"] == "RTNLGRP_LINK" for r in recs)
    assert {r["type"] for r in recs} == {"RTM_NEWLINK"}
    assert {r["object"]["ifname"] for r in recs} <= {"mon-a", "mon-b"}
    assert all(r["nsid"] is None for r in recs)  # local events carry no nsid


def test_monitor_shows_notifications_of_groups_above_32_with_their_number(netns, observe):
    """netlink_broadcast to a group above 32 reaches an ADD_MEMBERSHIP member; NETLINK_PKTINFO names the
    group (nl_groups of the source address is 0 there). Kernels >= 6.13 send RTM_NEWMULTICAST on
    RTNLGRP_IPV4_MCADDR/IPV6_MCADDR (inet_ifmcaddr_notify, inet6_ifmcaddr_notify) when a device joins
    its all-hosts groups on coming up."""
    kmax, seen, count = high_groups_notified()
    observe("multicast.NETLINK_ROUTE.veth_up_groups_above_32", sorted(seen))
    if not seen:
        pytest.skip(f"this kernel accepts NETLINK_ROUTE groups up to {kmax} but sent nothing on any group "
                    f"above 32 while a veth came up with IPv4/IPv6 addresses (measured with one socket per group)")
    groups = sorted(seen)
    args = [a for g in groups for a in ("--group", str(g))]
    mon = Monitor(*args, "--netns", netns.path, "--count", str(count), "--timeout", "5")
    veth_up_with_addresses(netns)
    recs = mon.records()
    got: dict[int, set[int]] = {}
    for r in recs:
        got.setdefault(r["group"], set()).add(r["type_number"])
    assert got == seen, f"per-group sockets saw {seen}, the monitor reported {got}"
    assert recs and all(r["group"] > 32 for r in recs)


def test_monitor_all_nsid_shows_the_nsid_of_a_peer_namespace(netns_pair):
    """netlink_broadcast with NETLINK_LISTEN_ALL_NSID: an event in a peer namespace that has an id in the
    listener's namespace (RTM_NEWNSID) reaches the listener, tagged with that id (peernet2id)."""
    here, there = netns_pair
    with rtnl.Rtnl(here) as r:
        r.do(rtnl.new_nsid(7, fd=there.fd))
    mon = Monitor("--group", "link", "--all-nsid", "--netns", here.path, "--count", "2", "--timeout", "10")
    with rtnl.Rtnl(there) as r:
        r.add_veth("far-a", "far-b")
    recs = mon.records()
    assert recs, "no notification from the peer namespace"
    assert {(r["nsid"], r["group"], r["type"]) for r in recs} == {(7, C.RTNLGRP_LINK, "RTM_NEWLINK")}
    assert {r["object"]["ifname"] for r in recs} <= {"far-a", "far-b"}
