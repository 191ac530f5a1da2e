"""Oracles for routes, neighbours and neighbour tables: pyroute2 reads back the same kernel state, pyroute2's
decoder reads the same bytes, and iproute2 (`ip -j -d`) breaks ties."""
import pytest
from support.iproute2 import ip_json, ip_view
from support.decode_oracle import assert_decoders_agree, tap_kernel_transports
from support.compare import assert_same
from support.normalise import np_all, np_neightbl
from support.pyroute2_view import pr_neighbours, pr_neightbls, pr_routes
from support.routes import kernel_error, listener, multipath, raw_route, set_neightbl

from netlink_probe import constants as C
from netlink_probe import rtnl
from netlink_probe.codec import attribute as A
from netlink_probe.codec import parse
from netlink_probe.codec import layouts as L
from netlink_probe.codec import rtnl as R

pytestmark = pytest.mark.oracle
FAM = {"inet": C.AF_INET, "inet6": C.AF_INET6}
fam_params = pytest.mark.parametrize("fam", ["inet", "inet6"])


def _populate_routes(net, family):
    """Routes of every shape the route tests create: gateway, table > 255, reject types, multipath, metrics."""
    v4 = family == C.AF_INET
    p, p2 = net.peer(family), net.peer(family, second=True)
    pre = (lambda s: f"10.{s}.0.0") if v4 else (lambda s: f"fd{s:02d}::")
    plen = 16 if v4 else 64
    rt = net.rt
    rt.do(rtnl.route(pre(9), plen, gateway=p))
    rt.do(rtnl.route(pre(8), plen, oif=net.a, table=1000))
    rt.do(rtnl.route(pre(7), plen, rtype=C.RTN_BLACKHOLE, table=100))
    rt.do(rtnl.route(pre(5), plen, rtype=C.RTN_UNREACHABLE))
    rt.do(rtnl.route(pre(4), plen, rtype=C.RTN_PROHIBIT))
    rt.do(rtnl.route(pre(20), plen, gateway=p, priority=10))
    rt.do(rtnl.route(pre(20), plen, gateway=p2, priority=5))
    rt.do(raw_route(C.RTM_NEWROUTE, C.NLM_F_CREATE | C.NLM_F_EXCL, family, pre(6), plen,
                    A.u32(C.RTA_TABLE, C.RT_TABLE_MAIN), multipath([(net.a, p, 0), (net.a, p2, 1)])))


class Tap:
    """Every NETLINK_ROUTE datagram received by the sockets opened while it is active (for the decode oracle)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.datagrams = []
        self._patch = monkeypatch.context()

    def __call__(self, protocol, received):
        if protocol == C.NETLINK_ROUTE:
            self.datagrams.append(received)

    def __enter__(self):
        tap_kernel_transports(self._patch.__enter__(), self)
        return self

    def __exit__(self, *exc):
        self._patch.__exit__(*exc)


@fam_params
def test_every_route_agrees_with_pyroute2(net, fam):
    """inet_dump_fib / inet6_dump_fib: the whole route dump, field by field, as pyroute2 reads it."""
    family = FAM[fam]
    _populate_routes(net, family)
    ours = np_all(net.rt.dump("routes", family))
    theirs = pr_routes(net.ns, family)
    assert len(ours) == len(theirs)
    assert_same("route", ours, theirs, ns=net.ns)


@fam_params
def test_route_in_table_1000_agrees_with_pyroute2_and_ip(net, fam):
    """fib_dump_info / rt6_fill_node: a table-1000 route (rtm_table RT_TABLE_COMPAT + RTA_TABLE) in three readers."""
    family = FAM[fam]
    dst = "10.8.0.0" if family == C.AF_INET else "fd08::"
    net.rt.do(rtnl.route(dst, 16 if family == C.AF_INET else 64, oif=net.a, table=1000))
    ours = [r for r in np_all(net.rt.dump("routes", family)) if r["table"] == 1000]
    theirs = [r for r in pr_routes(net.ns, family) if r["table"] == 1000]
    assert_same("route", ours, theirs, ns=net.ns)
    ip = [x for x in ip_json(net.ns, "-d", "-4" if family == C.AF_INET else "-6", "route", "show", "table", "all")
          if x.get("table") == "1000"]
    assert [(x["dst"], x["dev"]) for x in ip] == [(f"{dst}/{ours[0]['dst_len']}", "rn-a")]


@fam_params
def test_multipath_nexthops_agree_with_pyroute2_and_ip(net, fam):
    """fib_dump_info / rt6_fill_node: RTA_MULTIPATH nexthops (device, gateway, weight) in three readers."""
    family = FAM[fam]
    dst = "10.6.0.0" if family == C.AF_INET else "fd06::"
    plen = 16 if family == C.AF_INET else 64
    hops = [(net.a, net.peer(family), 0), (net.a, net.peer(family, second=True), 2)]
    net.rt.do(raw_route(C.RTM_NEWROUTE, C.NLM_F_CREATE | C.NLM_F_EXCL, family, dst, plen,
                        A.u32(C.RTA_TABLE, C.RT_TABLE_MAIN), multipath(hops)))
    ours = [r for r in np_all(net.rt.dump("routes", family)) if r["dst"] == dst]
    theirs = [r for r in pr_routes(net.ns, family) if r["dst"] == dst]
    assert_same("route", ours, theirs, ns=net.ns)
    (ipr,) = [x for x in ip_json(net.ns, "-d", "-4" if family == C.AF_INET else "-6", "route", "show")
              if x["dst"] == f"{dst}/{plen}"]
    assert sorted((h["gateway"], h["weight"]) for h in ipr["nexthops"]) == \
        sorted((gw, w + 1) for _, gw, w in hops)
    assert sorted([net.a, gw] for _, gw, _ in hops) == ours[0]["multipath"]


@fam_params
def test_routes_agree_with_ip_route_show_table_all(net, fam):
    """inet_dump_fib / inet6_dump_fib: prefix, table, metric, gateway and device as `ip -j -d route show table all`."""
    family = FAM[fam]
    _populate_routes(net, family)
    dumped = np_all(net.rt.dump("routes", family))
    ours = {(r["dst"], r["dst_len"], r["table"], r["priority"]): (r["gateway"], r["oif"]) for r in dumped}
    ip = {(r["dst"], r["dst_len"], r["table"], r.get("priority")): (r["gateway"], r.get("oif"))
          for r in ip_view(net.ns, "route") if r["family"] == family}
    assert set(ip) == set(ours)
    for k, (gw, oif) in ours.items():
        assert ip[k][0] == gw, k
        if ip[k][1] is not None:  # ip names no device for reject routes and multipath routes
            assert ip[k][1] == oif, k


@fam_params
def test_route_lookup_reply_agrees_with_ip_route_get_and_pyroute2s_decoder(net, fam):
    """inet_rtm_getroute / inet6_rtm_getroute: the reply's device, gateway and source match `ip -j route get`."""
    family = FAM[fam]
    dst, probe = ("10.9.0.0", "10.9.1.1") if family == C.AF_INET else ("fd09::", "fd09::1")
    net.rt.do(rtnl.route(dst, 16 if family == C.AF_INET else 64, gateway=net.peer(family)))
    reply = net.rt.get(rtnl.get_route(probe))
    assert_decoders_agree([reply])
    d = R.decode(reply)["attrs"]
    (ip,) = ip_json(net.ns, "route", "get", probe)
    assert (ip["dst"], ip["gateway"], ip["dev"], ip["prefsrc"]) == \
        (d["RTA_DST"], d["RTA_GATEWAY"], "rn-a", d["RTA_PREFSRC"])


def _populate_neighbours(net):
    rt = net.rt
    rt.do(rtnl.neigh(net.a, "10.1.0.7", "02:00:00:00:00:07"))
    rt.do(rtnl.neigh(net.a, "10.1.0.8", "02:00:00:00:00:08", state=C.NUD_STALE))
    rt.do(rtnl.neigh(net.b, "10.1.0.9", "02:00:00:00:00:09", state=C.NUD_REACHABLE))
    rt.do(rtnl.neigh(net.a, "10.1.0.10", "02:00:00:00:00:0a", state=C.NUD_NOARP))
    rt.do(rtnl.neigh(net.a, "fd00::7", "02:00:00:00:00:07"))
    rt.do(rtnl.neigh(net.b, "fd00::8", "02:00:00:00:00:08", state=C.NUD_STALE))


@pytest.mark.parametrize("fam", ["inet", "inet6", "unspec"])
def test_every_neighbour_agrees_with_pyroute2(quiet_net, fam):
    """neigh_dump_info: destination, lladdr, state, flags and device of each entry, as pyroute2 reads them."""
    family = {"inet": C.AF_INET, "inet6": C.AF_INET6, "unspec": C.AF_UNSPEC}[fam]
    _populate_neighbours(quiet_net)
    ours = np_all(quiet_net.rt.dump("neigh", family))
    theirs = pr_neighbours(quiet_net.ns, family)
    assert len(ours) == {"inet": 4, "inet6": 2, "unspec": 6}[fam]
    assert_same("neighbour", ours, theirs, ns=quiet_net.ns)


def test_neighbours_agree_with_ip_neigh_show(quiet_net):
    """neigh_dump_info: `ip -j -d neigh show` lists the same destinations, devices, lladdrs and NUD states."""
    _populate_neighbours(quiet_net)
    names = {quiet_net.a: "rn-a", quiet_net.b: "rn-b"}
    nud = {C.NUD_PERMANENT: "PERMANENT", C.NUD_STALE: "STALE", C.NUD_REACHABLE: "REACHABLE", C.NUD_NOARP: "NOARP"}
    ours = sorted((n["dst"], names[n["ifindex"]], n["lladdr"], nud[n["state"]])
                  for n in np_all(quiet_net.rt.dump("neigh")))
    shown = ip_json(quiet_net.ns, "-d", "neigh", "show", "nud", "all")  # plain `show` hides NOARP entries
    ip = sorted((x["dst"], x["dev"], x["lladdr"], x["state"][0]) for x in shown)
    assert ours == ip


def test_getneigh_reply_agrees_with_the_dump_and_pyroute2s_decoder(quiet_net):
    """neigh_get -> neigh_fill_info: the doit reply is the same object the dump shows, and decodes alike."""
    _populate_neighbours(quiet_net)
    reply = quiet_net.rt.get(rtnl.neigh(quiet_net.a, "fd00::7", cmd=C.RTM_GETNEIGH, flags=0, state=0))
    assert_decoders_agree([reply])
    (one,) = np_all([reply])
    (from_pr,) = [n for n in pr_neighbours(quiet_net.ns, C.AF_INET6) if n["dst"] == "fd00::7"]
    assert_same("neighbour", one, from_pr, ns=quiet_net.ns)


def test_neighbour_tables_agree_with_pyroute2(quiet_net):
    """neightbl_dump_info: every table and per-device parms message, after a per-device change, as pyroute2 reads it."""
    set_neightbl(quiet_net.rt, C.AF_INET, "arp_cache", parms=[
        A.u32(C.NDTPA_IFINDEX, quiet_net.a), A.u64(C.NDTPA_BASE_REACHABLE_TIME, 12000), A.u32(C.NDTPA_QUEUE_LEN, 7)])
    msgs = quiet_net.rt.dump("neightbl").all()
    assert_decoders_agree(msgs)
    ours = [np_neightbl(m) for m in msgs]
    theirs = pr_neightbls(quiet_net.ns)
    assert len(ours) == len(theirs) == 2 * 4  # two tables x (table message + lo + the veth pair)
    assert_same("neightbl", ours, theirs, ns=quiet_net.ns)
    (changed,) = [t for t in theirs if t["family"] == C.AF_INET and t["ifindex"] == quiet_net.a]
    assert (changed["params"]["NDTPA_BASE_REACHABLE_TIME"], changed["params"]["NDTPA_QUEUE_LEN"]) == (12000, 7)


# `ip -j ntable show` field -> NDTPA attribute (ip/ipntable.c); volatile ones (refcnt, reachable) left out
_IP_NTABLE = {"base_reachable": "NDTPA_BASE_REACHABLE_TIME", "retrans": "NDTPA_RETRANS_TIME",
              "gc_stale": "NDTPA_GC_STALETIME", "delay_probe": "NDTPA_DELAY_PROBE_TIME", "queue": "NDTPA_QUEUE_LEN",
              "app_probes": "NDTPA_APP_PROBES", "ucast_probes": "NDTPA_UCAST_PROBES",
              "mcast_probes": "NDTPA_MCAST_PROBES", "anycast_delay": "NDTPA_ANYCAST_DELAY",
              "proxy_delay": "NDTPA_PROXY_DELAY", "proxy_queue": "NDTPA_PROXY_QLEN", "locktime": "NDTPA_LOCKTIME"}


def test_neighbour_tables_agree_with_ip_ntable_show(quiet_net):
    """neightbl_dump_info: thresholds, gc interval and every parameter ip shows, per table and per device."""
    set_neightbl(quiet_net.rt, C.AF_INET6, "ndisc_cache", parms=[
        A.u32(C.NDTPA_IFINDEX, quiet_net.b), A.u64(C.NDTPA_RETRANS_TIME, 2000), A.u32(C.NDTPA_MCAST_PROBES, 6)])
    names = {m.header(L.IFINFOMSG).ifi_index:
             m.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME) for m in quiet_net.rt.dump("links")}
    fam = {C.AF_INET: "inet", C.AF_INET6: "inet6"}
    ours = {}
    for d in (R.decode(m) for m in quiet_net.rt.dump("neightbl")):
        a, p = d["attrs"], d["attrs"]["NDTA_PARMS"]
        key = (fam[d["header"]["ndtm_family"]], a["NDTA_NAME"], names.get(p.get("NDTPA_IFINDEX")))
        ours[key] = {ipk: p[attr] for ipk, attr in _IP_NTABLE.items()}
        if "NDTA_THRESH1" in a:
            ours[key].update(thresh1=a["NDTA_THRESH1"], thresh2=a["NDTA_THRESH2"], thresh3=a["NDTA_THRESH3"],
                             gc_interval=a["NDTA_GC_INTERVAL"])
    ip = {}
    for x in ip_json(quiet_net.ns, "ntable", "show"):
        key = (x["family"], x["name"], x.get("dev"))
        ip[key] = {k: x[k] for k in list(_IP_NTABLE) + ["thresh1", "thresh2", "thresh3", "gc_interval"] if k in x}
    assert set(ours) == set(ip)
    for key in ours:
        assert ours[key] == ip[key], key
    assert ip[("inet6", "ndisc_cache", "rn-b")]["retrans"] == 2000


def test_route_and_neighbour_notifications_decode_alike_in_pyroute2(net, monkeypatch):
    """rtmsg_fib / inet6_rt_notify / __neigh_notify: every multicast byte-for-byte decodes the same in pyroute2."""
    groups = (C.RTNLGRP_IPV4_ROUTE, C.RTNLGRP_IPV6_ROUTE, C.RTNLGRP_NEIGH)
    with Tap(monkeypatch) as tap, listener(net.ns, *groups) as lis:  # the tap first: it sees the listener's socket
        _populate_routes(net, C.AF_INET)
        _populate_routes(net, C.AF_INET6)
        net.rt.do(rtnl.route("10.9.0.0", 16, gateway="10.1.0.2", cmd=C.RTM_DELROUTE, flags=0))
        net.rt.do(rtnl.neigh(net.b, "10.1.0.77", "02:00:00:00:00:77"))
        net.rt.do(rtnl.neigh(net.b, "10.1.0.77", None, cmd=C.RTM_DELNEIGH, flags=0))
        notes = list(lis.notifications(0.05))
    kinds = {n.message.type for n in notes}
    assert {C.RTM_NEWROUTE, C.RTM_DELROUTE, C.RTM_NEWNEIGH, C.RTM_DELNEIGH} <= kinds
    assert assert_decoders_agree(tap.datagrams) > 0


def test_error_and_extack_replies_decode_alike_in_pyroute2(quiet_net, netns, monkeypatch):
    """netlink_ack / netlink_dump_done with extack TLVs (text, offset, missing type) decode alike in pyroute2."""
    dump_junk = L.RTMSG.pack(rtm_family=C.AF_INET, rtm_dst_len=8)
    # the tap sees the sockets opened after it: a fresh one in the namespace for the requests
    with Tap(monkeypatch) as tap, rtnl.Rtnl(netns) as r, rtnl.Rtnl(netns, strict=True) as rs:
        errors = [
            kernel_error(r.do, rtnl.route("10.5.0.0", 33, oif=quiet_net.a)),  # text
            kernel_error(r.do, rtnl.neigh(quiet_net.a, None, "02:00:00:00:00:01")),  # text
            kernel_error(r.get, rtnl.neigh(quiet_net.a, None, cmd=C.RTM_GETNEIGH, flags=0, state=0)),
            kernel_error(lambda: rs.sock.dump(C.RTM_GETROUTE, dump_junk).all()),  # in NLMSG_DONE
            kernel_error(set_neightbl, r, C.AF_INET, "arp_cache", parms=[
                A.u32(C.NDTPA_IFINDEX, quiet_net.a), A.u32(C.NDTPA_BASE_REACHABLE_TIME, 1)]),  # offset
        ]
    assert all(e.extack_msg or e.miss_type is not None or e.extack_offset is not None for e in errors)
    kinds = {m.type for d in tap.datagrams for m in parse(bytes(d.data))}
    assert {C.NLMSG_ERROR, C.NLMSG_DONE} <= kinds
    assert assert_decoders_agree(tap.datagrams) >= len(errors)
