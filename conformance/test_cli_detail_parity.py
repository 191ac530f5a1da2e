"""`netlink-probe dump -d/-s --json` against `ip -j -d`/`ip -j -s` (iproute2 as the oracle), key for key.

One namespace per link kind: the kind is created with `ip link add` (its
kernel answer named in the skip when the running kernel lacks it:
`require_kind` asks RTM_NEWLINK in a fresh namespace first), next to a veth
pair it can sit on; then every link of the namespace -- the kind, its lower
devices and the fallback devices tunnels bring (gre0, tunl0, sit0, ...) --
must read the same through both tools.  Timers and counters follow the
comparison rule of `support.cli_parity` (between iproute2's read before and
after ours).
"""
from __future__ import annotations

import pytest
from support.cli_parity import cli, parity, tool
from support.linkwatch import settle

from netlink_probe import rtnl
from netlink_probe.netns import entered

# kind -> the `ip link add ...` commands that make it (and its ports), run after the base veth pair dv0/dv1
KINDS: dict[str, list[list[str]]] = {
    "veth": [],
    "bridge": [["link", "add", "br0", "type", "bridge"], ["link", "set", "dv1", "master", "br0"],
               ["link", "set", "br0", "up"]],
    "vxlan": [["link", "add", "vx4", "type", "vxlan", "id", "42", "dstport", "4789", "group", "239.1.1.1", "dev", "dv0",
               "ttl", "5", "tos", "inherit", "df", "set", "ageing", "100", "l2miss", "nolearning"],
              ["link", "add", "vx6", "type", "vxlan", "id", "43", "remote", "2001:db8::1", "local", "2001:db8::5",
               "dstport", "4790", "noudpcsum", "ttl", "inherit", "label", "0x12345"]],
    "macvlan": [["link", "add", "mv0", "link", "dv0", "type", "macvlan", "mode", "bridge"],
                ["link", "add", "mv1", "link", "dv0", "type", "macvlan", "mode", "source", "macaddr", "add",
                 "02:00:00:00:00:01"]],
    "macvtap": [["link", "add", "mt0", "link", "dv0", "type", "macvtap", "mode", "vepa"]],
    "ifb": [["link", "add", "ifb0", "type", "ifb"]],
    "dummy": [["link", "add", "dm0", "type", "dummy"]],
    "vlan": [["link", "add", "link", "dv0", "name", "dv0.10", "type", "vlan", "id", "10"],
             ["link", "add", "link", "dv0", "name", "dv0.20", "type", "vlan", "protocol", "802.1ad", "id", "20",
              "loose_binding", "on", "reorder_hdr", "off"]],
    "bond": [["link", "add", "bond0", "type", "bond", "mode", "active-backup", "miimon", "100"],
             ["link", "set", "dv1", "master", "bond0"]],
    "vrf": [["link", "add", "vrf0", "type", "vrf", "table", "10"], ["link", "set", "dv1", "master", "vrf0"]],
    "gre": [["link", "add", "gre1", "type", "gre", "remote", "192.0.2.7", "local", "192.0.2.1", "ttl", "64",
             "key", "42"]],
    "gretap": [["link", "add", "gt1", "type", "gretap", "remote", "192.0.2.8", "local", "192.0.2.1", "seq",
                "csum"]],
    "ipip": [["link", "add", "ipip1", "type", "ipip", "remote", "192.0.2.9", "local", "192.0.2.1"]],
    "sit": [["link", "add", "sit1", "type", "sit", "remote", "192.0.2.10", "local", "192.0.2.1"]],
    "ip6tnl": [["link", "add", "ip6t1", "type", "ip6tnl", "remote", "2001:db8::7", "local", "2001:db8::1",
                "mode", "ip6ip6"]],
    "geneve": [["link", "add", "gnv0", "type", "geneve", "id", "7", "remote", "192.0.2.11", "ttl", "9"]],
}


def _ip(ns, *args: str) -> None:
    p = tool(ns, ["ip", *args])
    assert p.returncode == 0, f"ip {' '.join(args)}: {p.stderr.strip()}"


@pytest.fixture
def with_kind(netns, require_kind, request):
    """The namespace with lo up, a veth pair dv0/dv1 (up) and the links of kind *request.param*."""
    kind = request.param
    require_kind(kind)
    with rtnl.Rtnl(netns) as r:
        r.up(r.link_index("lo"))
        a, b = r.add_veth("dv0", "dv1")
        r.up(a)
        if kind not in ("bond", "vrf"):  # a port joins those while down
            r.up(b)
    for argv in KINDS[kind]:
        _ip(netns, *argv)
    with rtnl.Rtnl(netns) as r:
        settle(r)
    return netns


@pytest.mark.parametrize("with_kind", sorted(KINDS), indirect=True)
def test_dump_links_details_match_ip_d_link_for_every_kind(with_kind):
    """rtnl_fill_ifinfo / rtnl_link_info_fill / ->fill_info, ->fill_slave_info: `dump links -d --json` equals
    `ip -j -d link show` key for key for the kind, its ports and lower devices."""
    theirs, _ = parity(with_kind, ["ip", "-d", "link", "show"], ["links", "-d"])
    assert len(theirs) >= 3


@pytest.mark.parametrize("with_kind", ["bridge"], indirect=True)
def test_dump_links_stats_match_ip_s_link(with_kind):
    """rtnl_fill_stats: `dump links -s --json` shows IFLA_STATS64 as `ip -j -s link` ("stats64" rx/tx)."""
    theirs, _ = parity(with_kind, ["ip", "-s", "link", "show"], ["links", "-s"])
    assert all("stats64" in link for link in theirs)


@pytest.mark.parametrize("with_kind", ["bridge"], indirect=True)
def test_dump_links_double_stats_match_ip_s_s_link(with_kind):
    """rtnl_fill_stats: with -s -s the error counters and IFLA_CARRIER_CHANGES, as `ip -j -s -s link`."""
    theirs, _ = parity(with_kind, ["ip", "-s", "-s", "link", "show"], ["links", "-s", "-s"])
    assert all("carrier_changes" in link["stats64"]["tx"] for link in theirs)


@pytest.mark.parametrize("with_kind", ["bridge"], indirect=True)
def test_dump_links_dev_filter_matches_ip_link_show_dev(with_kind):
    """rtnl_dump_ifinfo: `dump links dev NAME -d` shows that link alone, as `ip -j -d link show dev NAME`."""
    theirs, ours = parity(with_kind, ["ip", "-d", "link", "show", "dev", "dv1"], ["links", "-d", "dev", "dv1"])
    assert [d["ifname"] for d in ours] == ["dv1"]


@pytest.mark.parametrize("with_kind", ["bridge"], indirect=True)
def test_dump_links_master_filter_matches_ip_link_show_master(with_kind):
    """rtnl_dump_ifinfo (IFLA_MASTER filter): `dump links master br0` lists the bridge's ports, as ip does."""
    theirs, ours = parity(with_kind, ["ip", "link", "show", "master", "br0"], ["links", "master", "br0"])
    assert [d["ifname"] for d in ours] == ["dv1"]


@pytest.mark.parametrize("with_kind", ["bridge"], indirect=True)
def test_dump_links_type_filter_matches_ip_link_show_type(with_kind):
    """rtnl_dump_ifinfo (IFLA_LINKINFO kind filter): `dump links type veth` lists the veths, as ip does."""
    theirs, ours = parity(with_kind, ["ip", "link", "show", "type", "veth"], ["links", "type", "veth"])
    assert {d["ifname"] for d in ours} == {"dv0", "dv1"}


@pytest.mark.parametrize("with_kind", ["bridge"], indirect=True)
def test_dump_links_slave_type_filter_lists_the_ports_ip_lists(with_kind):
    """rtnl_dump_ifinfo: `type bridge_slave` lists the bridge's ports.  ip 6.1's JSON also holds an empty
    object for every other link (print_linkinfo opens the object before its slave-kind filter returns):
    those are set aside, the ports must match."""
    theirs, ours = parity(with_kind, ["ip", "link", "show", "type", "bridge_slave"],
                          ["links", "type", "bridge_slave"], theirs_filter=lambda objs: [o for o in objs if o])
    assert [d["ifname"] for d in ours] == ["dv1"]


def test_dump_links_of_an_unknown_dev_is_refused_like_ip(netns):
    """`dump links dev NAME` for a name the namespace lacks: one line naming it, exit 2, nothing on stdout."""
    p = cli(netns, "dump", "links", "dev", "nosuch0", "--json")
    assert (p.returncode, p.stdout) == (2, "")
    assert 'Device "nosuch0" does not exist.' in p.stderr


@pytest.fixture
def routed(netns):
    """lo up; dv0 with IPv4/IPv6 addresses, a gateway route per family, a route in table 100, neighbours."""
    with entered(netns), open("/proc/sys/net/ipv6/conf/default/accept_dad", "w") as f:
        f.write("0")
    with rtnl.Rtnl(netns) as r:
        r.up(r.link_index("lo"))
        a, b = r.add_veth("dv0", "dv1")
        r.up(a)
        r.up(b)
        r.do(rtnl.new_addr(a, "192.0.2.1", 24))
        r.do(rtnl.new_addr(a, "2001:db8::1", 64))
        r.do(rtnl.route("198.51.100.0", 24, gateway="192.0.2.2"))
        r.do(rtnl.route("203.0.113.0", 24, gateway="192.0.2.3", table=100))
        r.do(rtnl.route("2001:db8:1::", 64, gateway="2001:db8::2", priority=100))
        r.do(rtnl.neigh(a, "192.0.2.9", "00:11:22:33:44:55"))
        r.do(rtnl.neigh(a, "2001:db8::9", "00:11:22:33:44:66"))
        settle(r)
    return netns


@pytest.mark.parametrize("family", ["inet", "inet6"])
def test_dump_routes_details_match_ip_d_route(routed, family):
    """fib_dump_info / rt6_fill_node: with -d ip shows type, protocol and scope always: `dump routes -d` too."""
    theirs, _ = parity(routed, ["ip", "-d", "-4" if family == "inet" else "-6", "route", "show"],
                       ["routes", "-d", "--family", family])
    assert all("type" in r and "scope" in r for r in theirs)


def test_dump_routes_of_table_all_without_family_shows_both_families_like_ip(routed):
    """inet_dump_fib + inet6_dump_fib (rtnl_dump_all): `ip route show table all` without a family lists IPv4
    then IPv6 routes of every table; `dump routes --table all -d` the same, "table" on each."""
    theirs, _ = parity(routed, ["ip", "-d", "route", "show", "table", "all"], ["routes", "-d", "--table", "all"])
    assert {r["table"] for r in theirs} >= {"main", "local", "100"}
    assert any(":" in r["dst"] for r in theirs) and any("." in r["dst"] for r in theirs)


def test_dump_routes_dev_filter_leaves_dev_out_like_ip(routed):
    """fib_dump_info: `dump routes dev dv0` keeps the routes through dv0 and, as ip, no "dev" key."""
    theirs, ours = parity(routed, ["ip", "route", "show", "dev", "dv0"], ["routes", "dev", "dv0"])
    assert ours and all("dev" not in r for r in ours)


def test_dump_addrs_details_match_the_addresses_of_ip_d_addr(routed):
    """inet_fill_ifaddr / inet6_fill_ifaddr: each address of `ip -j -d addr` is an object of
    `dump addrs -d --json`, key for key (ip groups them by link, the kernel's dump by family: compared
    sorted; the link's own keys are `dump links -d`'s)."""
    def flat(links):
        return [{"index": x["ifindex"], "dev": x["ifname"], **a} for x in links for a in x["addr_info"]]
    theirs, ours = parity(routed, ["ip", "-d", "addr", "show"], ["addrs", "-d"], theirs_filter=flat,
                          order=lambda a: (a["index"], a["family"], a["local"]))
    assert {("inet", "192.0.2.1"), ("inet6", "2001:db8::1")} <= {(a["family"], a["local"]) for a in ours}


def test_dump_neigh_details_and_stats_match_ip_d_s_neigh(routed):
    """neigh_fill_info: with -s the cache ages (used/confirmed/updated, s) and probes, as `ip -j -d -s neigh`."""
    theirs, _ = parity(routed, ["ip", "-d", "-s", "neigh", "show"], ["neigh", "-d", "-s"])
    assert theirs and all("used" in n for n in theirs)


def test_dump_neigh_dev_filter_matches_ip_neigh_show_dev(routed):
    """neigh_dump_table: `dump neigh dev dv0` shows dv0's neighbours without "dev", as ip."""
    theirs, ours = parity(routed, ["ip", "neigh", "show", "dev", "dv0"], ["neigh", "dev", "dv0"])
    assert ours and all("dev" not in n for n in ours)
