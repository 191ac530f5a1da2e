"""`netlink-probe monitor` (forked: support.cli_fork) in a fresh namespace, fed by real kernel events.

Which groups above 32 carry notifications is kernel-dependent (RTM_NEWMULTICAST on
RTNLGRP_IPV4_MCADDR / RTNLGRP_IPV6_MCADDR arrived in 6.13; the 6.1 headers end at
RTNLGRP_STATS = 36), so it is measured first with one plain socket per group (the
socket a notification arrives on names its group without NETLINK_PKTINFO), then the
command must report the same groups through NETLINK_PKTINFO.
"""
from __future__ import annotations

import os
import re
import select
import subprocess
import time

import pytest

from netlink_probe import NetNS, Socket, rtnl
from netlink_probe import constants as C
from netlink_probe import kernel_info
from netlink_probe.iproute2.monitor import default_groups
from netlink_probe.kernel_info import group_range
from support.iproute2 import have_ip
from support.monitor import Monitor, start_monitor
from support.multicast import group_bit, proc_net_netlink

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


def test_monitor_without_group_listens_to_the_groups_of_ip_monitor(netns):
    """rtnetlink_bind accepts every group `ip monitor` joins (ipmonitor.c, IPMON_L_ALL: 16 by bind() mask,
    RTNLGRP_NEXTHOP and RTNLGRP_STATS by NETLINK_ADD_MEMBERSHIP); link, address and route events arrive on them,
    and nothing from a group ip leaves out (RTNLGRP_IPV4_MCADDR and the like, kernels >= 6.13).  A group above
    the kernel's RTNLGRP_MAX (RTNLGRP_STATS = 36 on 5.10, measured) is refused by netlink_setsockopt with
    EINVAL and named as missing."""
    kmax = group_range(C.NETLINK_ROUTE)["max"] or 0
    mon = Monitor("--netns", netns.path, "--timeout", "3")
    joined = [int(g) for g in re.findall(r"(\d+) \(RTNLGRP_", mon.ready_line.split(" in ")[0])]
    assert joined == [g for g in default_groups() if g <= kmax], mon.ready_line
    missing = [g for g in default_groups() if g > kmax]
    assert all(f"{g} (RTNLGRP_" in mon.ready_line.split("not on this kernel:")[-1] for g in missing), mon.ready_line
    veth_up_with_addresses(netns)
    recs = mon.records()
    groups = {r["group"] for r in recs}
    assert {C.RTNLGRP_LINK, C.RTNLGRP_IPV4_IFADDR, C.RTNLGRP_IPV6_IFADDR, C.RTNLGRP_IPV4_ROUTE} <= groups, groups
    assert groups <= set(default_groups()), groups


def run_text_monitor(netns, trigger, *args: str) -> list[str]:
    """`netlink-probe monitor ARGS --netns NS` in text mode: started, *trigger*(netns) once it listens, its lines."""
    p, _ = start_monitor(*args, "--netns", netns.path, "--color", "never")
    try:
        trigger(netns)
        out, err = p.communicate(30)
    finally:
        p.kill()
    assert p.returncode == 0, err
    return out.splitlines()


def _link_group_joined(netns) -> bool:
    """Whether a NETLINK_ROUTE socket in *netns* has joined RTNLGRP_LINK (netlink_seq_show's Groups column holds
    the first 32 group bits)."""
    return any(row["Eth"] == str(C.NETLINK_ROUTE) and int(row["Groups"], 16) & group_bit(C.RTNLGRP_LINK)
               for row in proc_net_netlink(netns))


def ip_monitor_lines(netns, *args: str) -> list[str]:
    """`ip ARGS monitor link` in *netns* (through nsenter) while veth pairs appear: its stdout lines.

    ip says nothing when it listens, and starting it takes seconds in a TCG guest.  Its socket's group
    membership in /proc/net/netlink is not enough either: ip binds with the groups, then dumps the links
    on that socket (ll_init_map) and libnetlink's rtnl_dump_filter drops every notification that arrives
    meanwhile.  So a veth pair is added once the membership shows, and another every second until ip has
    printed an event (measured: CI once saw the only event fall into that dump)."""
    p = subprocess.Popen(["nsenter", f"--net={netns.path}", "ip", *args, "monitor", "link"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out = b""
    pairs = 0
    try:
        deadline = time.monotonic() + 60
        while not _link_group_joined(netns) and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.05)
        deadline = time.monotonic() + 30
        fd = p.stdout.fileno()
        while out.count(b"\n") < 2 and time.monotonic() < deadline and p.poll() is None:  # -t: stamp, event
            if not out:
                add_veth(netns, f"ts{pairs}a", f"ts{pairs}b")
                pairs += 1
            if select.select([fd], [], [], 1.0)[0]:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                out += chunk
        time.sleep(0.2)  # the rest of the burst
    finally:
        p.terminate()
        rest, err = p.communicate(timeout=10)
    lines = (out + rest).decode(errors="replace").splitlines()
    assert lines, f"ip {' '.join(args)} monitor link printed nothing for {pairs} veth pairs: {err.decode()!r}"
    return lines


def add_veth(ns, a: str, b: str) -> None:
    """A veth pair in *ns*: a link event for `ip monitor`."""
    with rtnl.Rtnl(ns) as r:
        r.add_veth(a, b)


TIMESTAMP = re.compile(r"Timestamp: (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \d{1,6} usec")
SHORT = re.compile(r"\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\] ")


def test_monitor_t_prints_ip_t_monitors_timestamp_line_before_each(netns):
    """rtnl_notify(RTNLGRP_LINK) as `ip -t monitor` shows it: a 'Timestamp: <asctime> N usec' line, then the event."""
    if not have_ip():
        pytest.skip("iproute2's ip or util-linux's nsenter is not installed")
    ours = run_text_monitor(netns, veth_up_with_addresses, "-t", "--group", "link", "--count", "2", "--timeout", "10")
    assert len(ours) == 4 and all(TIMESTAMP.fullmatch(line) for line in ours[::2]), ours
    assert all(line.startswith("[group 1 RTNLGRP_LINK] RTM_NEWLINK") for line in ours[1::2]), ours
    theirs = ip_monitor_lines(netns, "-t")
    stamps = [line for line in theirs if line.startswith("Timestamp:")]
    assert stamps and all(TIMESTAMP.fullmatch(line) for line in stamps), theirs  # the same format as ip's


def test_monitor_ts_prefixes_ip_ts_monitors_short_timestamp(netns):
    """rtnl_notify(RTNLGRP_LINK) as `ip -ts monitor` shows it: '[YYYY-MM-DDTHH:MM:SS.UUUUUU] ' before the event."""
    ours = run_text_monitor(netns, veth_up_with_addresses, "--ts", "--group", "link", "--count", "1",
                            "--timeout", "10")
    assert len(ours) == 1 and SHORT.match(ours[0]) and "] [group 1 RTNLGRP_LINK] RTM_NEWLINK" in ours[0], ours
    if have_ip():
        theirs = ip_monitor_lines(netns, "-ts")
        assert theirs and SHORT.match(theirs[0]), theirs


def test_monitor_text_names_scope_family_table_and_protocol(netns):
    """inet_rtm_newaddr -> rtmsg_ifa, fib_table_insert -> rtmsg_fib: the text line names scope, family, table and
    protocol as ip does (scope=global, family=inet, table=local, protocol=kernel), never their numbers."""
    lines = run_text_monitor(netns, veth_up_with_addresses, "--group", "ipv4_ifaddr", "--group", "ipv4_route",
                             "--timeout", "3")
    addr = next(line for line in lines if "RTM_NEWADDR" in line)
    assert "family=inet " in addr and "scope=global" in addr, addr
    route = next(line for line in lines if "RTM_NEWROUTE" in line and "table=local" in line)
    assert "protocol=kernel" in route and "scope=host" in route and "family=inet " in route, route
    assert not re.search(r"\b(scope|family|table|protocol)=\d", "\n".join(lines)), lines
