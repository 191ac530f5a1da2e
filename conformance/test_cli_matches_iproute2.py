"""`netlink-probe dump ... --json` against `ip -j ...` in the same namespace (iproute2 as the oracle).

The namespace holds lo, a veth pair whose one end is a bridge port, a veth
whose peer lives in a second namespace (so the kernel reports
IFLA_LINK_NETNSID), IPv4 and IPv6 addresses, a gateway route per family and
permanent neighbours.  Both tools read the same kernel state; every object
must carry the same keys with the same values.  Kernel state that changes by
itself (IPv6 DAD clearing "tentative", linkwatch raising LOWER_UP) is read as
a stable snapshot: ip before and after ours must agree.
"""
from __future__ import annotations

import difflib
import json
import time
from collections.abc import Iterator

import pytest
from support.cli_fork import run_cli
from support.compare import pair_up
from support.iproute2 import have_ip, ip, ip_json
from support.linkwatch import settle

from netlink_probe import NetNS, rtnl
from netlink_probe.netns import entered


def cli_json(ns, *args: str):
    """`python3 -m netlink_probe ARGS --netns <ns path> --json`, parsed."""
    p = run_cli([*args, "--netns", ns.path, "--json"])
    assert p.returncode == 0, f"netlink-probe {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}"
    return json.loads(p.stdout)


def stable(ns, ip_args: tuple, cli_args: tuple, tries: int = 6):
    """(ip's view, ours) taken while the kernel state did not change (ip before == ip after)."""
    for _ in range(tries):
        before = ip_json(ns, *ip_args)
        ours = cli_json(ns, *cli_args)
        after = ip_json(ns, *ip_args)
        if before == after:
            return before, ours
        time.sleep(0.3)
    pytest.fail(f"`ip -j {' '.join(ip_args)}` kept changing over {tries} tries")


def set_sysctl(ns, path: str, value: str) -> None:
    with entered(ns), open(path, "w") as f:  # /proc/sys/net resolves to the opener's namespace
        f.write(value)


@pytest.fixture(scope="module")
def topology() -> Iterator[NetNS]:
    """lo; vb <-> va (va a port of br0, vb in group 5); vx <-> vy (vy in the second namespace);
    addresses, routes and permanent neighbours on vb. Yields the first namespace.

    Built once per module (and xdist worker): every test only reads it, and building it costs
    seconds in a TCG guest."""
    with NetNS.create() as ns, NetNS.create() as other:
        rtnl.loopback_up(ns)
        rtnl.loopback_up(other)
        _build_topology(ns, other)
        yield ns


def _build_topology(ns: NetNS, other: NetNS) -> None:
    set_sysctl(ns, "/proc/sys/net/ipv6/conf/default/accept_dad", "0")  # no "tentative" flip mid-test
    with rtnl.Rtnl(ns) as r:
        va, vb = r.add_veth("va", "vb")
        r.do(rtnl.new_link("br0", "bridge"))
        br = r.link_index("br0")
        r.do(rtnl.set_link(va, master=br))
        r.do(rtnl.set_link(vb, group=5))
        r.do(rtnl.new_link("vx", "veth", rtnl.veth_peer("vy", net_ns_fd=other.fd)))
        for i in (va, vb, br, r.link_index("vx")):
            r.up(i)
        r.do(rtnl.new_addr(vb, "192.0.2.1", 24))
        r.do(rtnl.new_addr(vb, "2001:db8::1", 64))
        r.do(rtnl.route("198.51.100.0", 24, gateway="192.0.2.2"))
        r.do(rtnl.route("2001:db8:1::", 64, gateway="2001:db8::2", priority=100))
        r.do(rtnl.neigh(vb, "192.0.2.9", "00:11:22:33:44:55"))
        r.do(rtnl.neigh(vb, "2001:db8::9", "00:11:22:33:44:66"))
        settle(r)


def field_diffs(theirs: list[dict], ours: list[dict], key) -> list[str]:
    """Differences between two object lists matched by *key*: missing objects, keys and values."""
    out = []
    for k, x, y in pair_up(theirs, ours, key):
        if y is None:
            out.append(f"{k}: only ip shows it: {x}")
        elif x is None:
            out.append(f"{k}: only netlink-probe shows it: {y}")
        else:
            for f in sorted(set(x) | set(y)):
                va, vb = x.get(f, "<absent>"), y.get(f, "<absent>")
                if va != vb:
                    out.append(f"{k}.{f}: ip {va!r} != netlink-probe {vb!r}")
    return out


def test_dump_links_json_has_exactly_the_keys_and_values_of_ip_link(topology):
    """rtnl_fill_ifinfo: `dump links --json` and `ip -j link` read the same RTM_NEWLINK dump alike,
    for lo, veth peers (IFLA_LINK, also across namespaces with IFLA_LINK_NETNSID), a bridge and its port."""
    theirs, ours = stable(topology, ("link", "show"), ("dump", "links"))
    names = {d["ifname"] for d in theirs}
    assert {"lo", "va", "vb", "br0", "vx"} <= names
    vx = next(d for d in theirs if d["ifname"] == "vx")
    assert "link_netnsid" in vx and "link_index" in vx  # the peer is really in the other namespace
    assert next(d for d in theirs if d["ifname"] == "va")["master"] == "br0"
    diffs = field_diffs(theirs, ours, key=lambda d: d["ifindex"])
    assert not diffs, "\n".join(diffs)
    assert [d["ifindex"] for d in ours] == [d["ifindex"] for d in theirs]  # same (kernel) order


def test_dump_addrs_json_matches_the_entries_of_ip_addr(topology):
    """inet_fill_ifaddr / inet6_fill_ifaddr: every address of `ip -j addr` appears in `dump addrs --json`
    with the same family, local, prefixlen, scope, flags, label and lifetimes."""
    links, ours = stable(topology, ("addr", "show"), ("dump", "addrs"))
    theirs = [{"index": link["ifindex"], "dev": link["ifname"], **a} for link in links for a in link["addr_info"]]
    assert {("inet", "192.0.2.1", 24), ("inet6", "2001:db8::1", 64)} <= \
        {(a["family"], a["local"], a["prefixlen"]) for a in theirs}
    diffs = field_diffs(theirs, ours, key=lambda d: (d["index"], d["family"], d["local"], d["prefixlen"]))
    assert not diffs, "\n".join(diffs)


@pytest.mark.parametrize("family", ["inet", "inet6"])
def test_dump_routes_json_matches_ip_route_of_the_main_table(topology, family):
    """fib_dump_info / rt6_fill_node: `dump routes --family F --json` equals `ip -j -F route` (main table)."""
    ip_args = ("-4" if family == "inet" else "-6", "route", "show")
    theirs, ours = stable(topology, ip_args, ("dump", "routes", "--family", family))
    gw = "192.0.2.2" if family == "inet" else "2001:db8::2"
    assert any(r.get("gateway") == gw for r in theirs)
    diffs = field_diffs(theirs, ours, key=lambda d: (d.get("type"), d["dst"], d.get("dev"), d.get("metric")))
    assert not diffs, "\n".join(diffs)


def test_dump_routes_of_every_table_match_ip_route_table_all(topology):
    """fib_dump_info / rt6_fill_node: with --table all the local-table routes (type local/broadcast/
    multicast, "table": "local") match `ip -j route show table all` as well."""
    theirs, ours = stable(topology, ("-4", "route", "show", "table", "all"),
                          ("dump", "routes", "--family", "inet", "--table", "all"))
    assert any(r.get("table") == "local" and r.get("type") == "local" for r in theirs)
    diffs = field_diffs(theirs, ours, key=lambda d: (d.get("table"), d.get("type"), d["dst"], d.get("dev")))
    assert not diffs, "\n".join(diffs)


def test_dump_neigh_json_matches_ip_neigh(topology):
    """neigh_fill_info: permanent IPv4 and IPv6 neighbours read the same through `dump neigh --json`
    and `ip -j neigh` (NOARP entries hidden by both)."""
    theirs, ours = stable(topology, ("neigh", "show"), ("dump", "neigh"))
    assert {("192.0.2.9", "00:11:22:33:44:55"), ("2001:db8::9", "00:11:22:33:44:66")} <= \
        {(n["dst"], n.get("lladdr")) for n in theirs}
    diffs = field_diffs(theirs, ours, key=lambda d: (d.get("dst"), d.get("dev")))
    assert not diffs, "\n".join(diffs)


def test_dump_links_readable_output_lists_every_link_like_ip(topology):
    """rtnl_fill_ifinfo: the readable form has ip's first line per link: "N: name[@peer]: <FLAGS> mtu M"."""
    theirs = ip_json(topology, "link", "show")
    p = run_cli(["dump", "links", "--netns", topology.path])
    assert p.returncode == 0, p.stderr
    out = p.stdout
    firsts = [line for line in out.splitlines() if not line.startswith(" ")]
    assert len(firsts) == len(theirs)
    for line, link in zip(firsts, theirs):
        assert line.startswith(f"{link['ifindex']}: {link['ifname']}")
        assert f" mtu {link['mtu']} " in line
        assert "<" + ",".join(link["flags"]) + ">" in line


def cli_text(ns, *args: str) -> str:
    """`python3 -m netlink_probe ARGS --netns <ns path>` (readable output, no colour), its stdout."""
    p = run_cli([*args, "--netns", ns.path, "--color", "never"])
    assert p.returncode == 0, f"netlink-probe {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}"
    return p.stdout


def stable_text(ns, ip_args: tuple, cli_args: tuple, tries: int = 6) -> tuple[list[str], list[str]]:
    """(ip's lines, ours), trailing blanks dropped, taken while `ip ARGS` printed the same before and after."""
    def lines(text: str) -> list[str]:
        return [line.rstrip() for line in text.splitlines()]
    for _ in range(tries):
        before = ip(ns, *ip_args, check=True).stdout
        ours = cli_text(ns, *cli_args)
        if ip(ns, *ip_args, check=True).stdout == before:
            return lines(before), lines(ours)
        time.sleep(0.3)
    pytest.fail(f"`ip {' '.join(ip_args)}` kept changing over {tries} tries")


@pytest.mark.parametrize("family", [None, "inet", "inet6"])
def test_dump_addrs_readable_output_is_ip_addr_grouped_by_link(topology, family):
    """rtnl_fill_ifinfo + inet_fill_ifaddr / inet6_fill_ifaddr: `dump addrs` prints what `ip addr` prints, each
    link then its addresses (with --family: `ip -4 addr`/`ip -6 addr`, only links that hold one)."""
    if not have_ip():
        pytest.skip("iproute2's ip or util-linux's nsenter is not installed")
    flag = {None: (), "inet": ("-4",), "inet6": ("-6",)}[family]
    theirs, ours = stable_text(topology, (*flag, "addr", "show"),
                               ("dump", "addrs", *(("--family", family) if family else ())))
    assert any(line.startswith("    inet") for line in theirs)
    assert ours == theirs, "\n".join(difflib.unified_diff(theirs, ours, "ip addr", "netlink-probe", lineterm=""))


@pytest.mark.parametrize("family", ["inet", "inet6"])
def test_dump_routes_readable_output_names_protocol_scope_and_table_like_ip(topology, family):
    """fib_dump_info / rt6_fill_node: `dump routes --table all` shows proto, scope, table and type by
    the names `ip route show table all` uses (rt_protos, rt_scopes, rt_tables), never numbers."""
    if not have_ip():
        pytest.skip("iproute2's ip or util-linux's nsenter is not installed")
    theirs, ours = stable_text(topology, ("-4" if family == "inet" else "-6", "route", "show", "table", "all"),
                               ("dump", "routes", "--family", family, "--table", "all"))
    assert any(" table local " in line and " proto kernel " in line for line in theirs)
    assert ours == theirs, "\n".join(difflib.unified_diff(theirs, ours, "ip route", "netlink-probe", lineterm=""))
