"""`netlink-probe dump rules|nexthops|netconf|fdb|mdb|vlan` against `ip -j rule|nexthop|netconf` and
`bridge -j fdb|mdb|vlan` in the same namespace, key for key, and their text against iproute2's text.

The namespace: lo, a veth pair dv0/dv1 with addresses, a bridge br0 with
dv1 as its port (multicast snooping on, so the kernel fills the mdb with the
IPv6 groups the links join), a vxlan with a static fdb entry to a remote,
rules of every kind ip prints (selectors, actions, goto, uid and port
ranges), IPv4 and IPv6 nexthops (device, gateway, blackhole, a group).
Timers (mdb) follow `support.cli_parity`'s comparison rule.

Every test only reads, so each namespace is built once per module (and xdist
worker), not per test: building one costs ~15 `ip`/`bridge` runs and a wait for
linkwatch, 20-40 s in a TCG guest.  The nexthop and VLAN-filtering variants are
namespaces of their own: they change what `ip route` and `bridge fdb` show.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.cli_parity import cli, parity, tool, tool_text
from support.link_kinds import skip_without_kind
from support.linkwatch import settle

from netlink_probe import KernelError, NetNS, rtnl
from netlink_probe.netns import entered

RULES = (["add", "from", "10.0.0.0/8", "table", "100", "prio", "100"],
         ["add", "to", "10.1.0.0/16", "iif", "dv0", "fwmark", "0x10/0xff", "lookup", "200", "prio", "110"],
         ["add", "not", "from", "10.2.0.0/16", "blackhole", "prio", "40000"],  # FIB_RULE_INVERT: after main
         ["add", "ipproto", "tcp", "dport", "80", "sport", "1000-2000", "goto", "32766", "prio", "130"],
         ["add", "uidrange", "100-200", "tos", "0x10", "prohibit", "prio", "140"],
         ["add", "from", "all", "lookup", "main", "suppress_prefixlength", "0", "prio", "150"],
         ["add", "from", "10.4.0.0/16", "nop", "prio", "170"], ["add", "from", "10.5.0.0/16", "realms", "3/4", "table", "5", "prio", "180"])
NEXTHOPS = (["add", "id", "1", "via", "192.0.2.2", "dev", "dv0"], ["add", "id", "2", "dev", "dv0"],
            ["add", "id", "3", "blackhole"], ["add", "id", "4", "group", "1/2"],
            ["add", "id", "5", "group", "1,3/2,5"], ["add", "id", "6", "via", "2001:db8::2", "dev", "dv0"])


def _ip(ns, *argv: str) -> None:
    p = tool(ns, list(argv))
    assert p.returncode == 0, f"{' '.join(argv)}: {p.stderr.strip()}"


def _build_objects(ns: NetNS) -> None:
    """Fill *ns* as the module docstring describes."""
    skip_without_kind("bridge")
    skip_without_kind("vxlan")
    rtnl.loopback_up(ns)
    with entered(ns), open("/proc/sys/net/ipv6/conf/default/accept_dad", "w") as f:
        f.write("0")
    with rtnl.Rtnl(ns) as r:
        a, b = r.add_veth("dv0", "dv1")
        r.do(rtnl.new_link("br0", "bridge"))
        br = r.link_index("br0")
        r.do(rtnl.set_link(b, master=br))
        for i in (a, b, br):
            r.up(i)
        r.do(rtnl.new_addr(a, "192.0.2.1", 24))
        r.do(rtnl.new_addr(a, "2001:db8::1", 64))
        r.do(rtnl.new_link("vx0", "vxlan", rtnl.vxlan_data(42, 4789, link=a)))
    _ip(ns, "bridge", "fdb", "append", "00:00:00:00:00:00", "dev", "vx0", "dst", "192.0.2.7", "port", "4790",
        "vni", "43")
    for argv in RULES:
        _ip(ns, "ip", "rule", *argv)
    _ip(ns, "ip", "-6", "rule", "add", "from", "2001:db8::/32", "table", "300", "prio", "160")


def _settled(ns: NetNS) -> NetNS:
    try:
        with rtnl.Rtnl(ns) as r:
            settle(r)
    except KernelError:
        pass
    return ns


@pytest.fixture(scope="module")
def objects_ns() -> Iterator[NetNS]:
    """The namespace described in the module docstring (read only)."""
    with NetNS.create() as ns:
        _build_objects(ns)
        yield _settled(ns)


@pytest.fixture(scope="module")
def nexthop_ns() -> Iterator[NetNS]:
    """The module's objects and the nexthop objects of NEXTHOPS (skips, naming the kernel's answer, without them)."""
    with NetNS.create() as ns:
        _build_objects(ns)
        first = tool(ns, ["ip", "nexthop", *NEXTHOPS[1]])  # a device nexthop: no gateway to validate
        if first.returncode and "Operation not supported" in first.stderr + " " + first.stdout:
            pytest.skip(f"RTM_NEWNEXTHOP refused: nexthop objects need kernel 5.3 ({first.stderr.strip()})")
        assert first.returncode == 0, first.stderr
        for argv in NEXTHOPS[:1] + NEXTHOPS[2:]:
            _ip(ns, "ip", "nexthop", *argv)
        _ip(ns, "ip", "route", "add", "198.51.100.0/24", "nhid", "4")
        yield _settled(ns)


@pytest.mark.parametrize("family", ["inet", "inet6"])
def test_dump_rules_json_matches_ip_rule(objects_ns, family):
    """fib_nl_fill_rule: `dump rules --json` equals `ip -j rule` (not, selectors, ranges, goto, actions)."""
    theirs, _ = parity(objects_ns, ["ip", "-4" if family == "inet" else "-6", "rule", "show"],
                       ["rules", "--family", family])
    assert len(theirs) >= 3


def test_dump_rules_details_show_the_protocol_like_ip_d_rule(objects_ns):
    """fib_nl_fill_rule (FRA_PROTOCOL): with -d every rule names its protocol, as `ip -j -d rule`."""
    theirs, _ = parity(objects_ns, ["ip", "-d", "rule", "show"], ["rules", "-d"])
    assert all("protocol" in r for r in theirs)


def test_dump_rules_text_is_ip_rule(objects_ns):
    """fib_nl_fill_rule: the readable form is `ip rule`'s, line for line."""
    theirs = tool_text(objects_ns, ["ip", "rule", "show"])
    ours = [line.rstrip() for line in cli(objects_ns, "dump", "rules", "--color", "never").stdout.splitlines()]
    assert ours == theirs


@pytest.mark.parametrize("details", [False, True])
def test_dump_nexthops_json_matches_ip_nexthop(nexthop_ns, details):
    """nh_fill_node: `dump nexthops [-d] --json` equals `ip -j [-d] nexthop` (device, gateway, blackhole, groups
    with weights)."""
    flag = ["-d"] if details else []
    theirs, _ = parity(nexthop_ns, ["ip", *flag, "nexthop", "show"], ["nexthops", *flag])
    assert {n["id"] for n in theirs} >= {1, 2, 3, 4, 5, 6}


def test_dump_nexthops_text_is_ip_nexthop(nexthop_ns):
    """nh_fill_node: the readable form is `ip nexthop`'s, line for line."""
    theirs = tool_text(nexthop_ns, ["ip", "nexthop", "show"])
    ours = [line.rstrip() for line in cli(nexthop_ns, "dump", "nexthops", "--color", "never").stdout.splitlines()]
    assert ours == theirs


@pytest.mark.parametrize("family", [None, "inet", "inet6"])
def test_dump_netconf_json_matches_ip_netconf(objects_ns, family):
    """inet_netconf_fill_devconf / inet6_netconf_fill_devconf: `dump netconf` equals `ip -j netconf` (every
    device, "all" and "default"; both families without --family)."""
    flag = {None: [], "inet": ["-4"], "inet6": ["-6"]}[family]
    theirs, _ = parity(objects_ns, ["ip", *flag, "netconf", "show"],
                       ["netconf", *(["--family", family] if family else [])])
    assert {"all", "default", "dv0"} <= {n["interface"] for n in theirs}


def test_dump_netconf_text_is_ip_netconf(objects_ns):
    """inet_netconf_fill_devconf: the readable form is `ip netconf`'s, line for line."""
    theirs = tool_text(objects_ns, ["ip", "netconf", "show"])
    ours = [line.rstrip() for line in cli(objects_ns, "dump", "netconf", "--color", "never").stdout.splitlines()]
    assert ours == theirs


def test_dump_fdb_json_matches_bridge_fdb(objects_ns):
    """br_fdb_fill_info / vxlan_fdb_info / ndo_dflt_fdb_dump: `dump fdb` equals `bridge -j fdb` (bridge ports,
    self entries, the vxlan's remote with its big-endian port)."""
    theirs, _ = parity(objects_ns, ["bridge", "fdb", "show"], ["fdb"])
    assert any(e.get("dst") == "192.0.2.7" and e.get("port") == 4790 and e.get("vni") == 43 for e in theirs)


def test_dump_fdb_dev_filter_matches_bridge_fdb_show_dev(objects_ns):
    """rtnl_fdb_dump: `dump fdb dev dv1` shows dv1's entries without "ifname", as `bridge -j fdb show dev dv1`."""
    theirs, ours = parity(objects_ns, ["bridge", "fdb", "show", "dev", "dv1"], ["fdb", "dev", "dv1"])
    assert ours and all("ifname" not in e for e in ours)


def test_dump_fdb_text_is_bridge_fdb(objects_ns):
    """br_fdb_fill_info: the readable form is `bridge fdb`'s, line for line."""
    theirs = tool_text(objects_ns, ["bridge", "fdb", "show"])
    ours = [line.rstrip() for line in cli(objects_ns, "dump", "fdb", "--color", "never").stdout.splitlines()]
    assert ours == theirs


@pytest.mark.parametrize("flags", [[], ["-d"], ["-d", "-s"]])
def test_dump_mdb_json_matches_bridge_mdb(objects_ns, flags):
    """br_mdb_dump (answers RTM_GETMDB messages) / __mdb_fill_info: `dump mdb` is `bridge -j mdb`'s one object,
    {"mdb": [...], "router": {...}}; -d adds the protocol, -s the timers (between bridge's two reads)."""
    theirs, _ = parity(objects_ns, ["bridge", *flags, "mdb", "show"], ["mdb", *flags])
    assert len(theirs) == 1 and theirs[0]["mdb"], "snooping filled no mdb entry"


def test_dump_mdb_text_is_bridge_mdb(objects_ns):
    """__mdb_fill_info: the readable form is `bridge mdb`'s, line for line (the groups the links join settle
    while the namespace comes up: ours must equal bridge's read just before or just after it, within 6 tries)."""
    for _ in range(6):
        before = tool_text(objects_ns, ["bridge", "mdb", "show"])
        ours = [line.rstrip() for line in cli(objects_ns, "dump", "mdb", "--color", "never").stdout.splitlines()]
        after = tool_text(objects_ns, ["bridge", "mdb", "show"])
        if ours in (before, after):
            break
    assert ours in (before, after), f"ours {ours}\nbridge before {before}\nbridge after {after}"


def test_dump_vlan_json_matches_bridge_vlan(objects_ns):
    """br_fill_ifvlaninfo: `dump vlan` equals `bridge -j vlan` (empty when the bridge has no VLAN database)."""
    parity(objects_ns, ["bridge", "vlan", "show"], ["vlan"])


@pytest.fixture(scope="module")
def vlan_ns() -> Iterator[NetNS]:
    """The module's objects with VLAN filtering on br0 and VLANs 10, 20-22 on its port (skips without the feature)."""
    with NetNS.create() as ns:
        _build_objects(ns)
        p = tool(ns, ["ip", "link", "set", "br0", "type", "bridge", "vlan_filtering", "1"])
        if p.returncode:
            pytest.skip(f"bridge VLAN filtering unavailable (CONFIG_BRIDGE_VLAN_FILTERING): {p.stderr.strip()}")
        _ip(ns, "bridge", "vlan", "add", "dev", "dv1", "vid", "10", "pvid", "untagged")
        _ip(ns, "bridge", "vlan", "add", "dev", "dv1", "vid", "20-22")
        yield _settled(ns)


def test_dump_vlan_lists_port_vlans_like_bridge_vlan(vlan_ns):
    """br_fill_ifvlaninfo: with VLAN filtering each port's VLANs and flags (PVID, Egress Untagged) match
    `bridge -j vlan`."""
    theirs, _ = parity(vlan_ns, ["bridge", "vlan", "show"], ["vlan"])
    assert any(v.get("vlan") == 10 for port in theirs for v in port["vlans"])


def test_dump_vlan_text_is_bridge_vlan(vlan_ns):
    """br_fill_ifvlaninfo: the readable form is `bridge vlan`'s, line for line."""
    theirs = tool_text(vlan_ns, ["bridge", "vlan", "show"])
    ours = [line.rstrip() for line in cli(vlan_ns, "dump", "vlan", "--color", "never").stdout.splitlines()]
    assert ours == theirs
