"""Routes: RTM_NEWROUTE / RTM_DELROUTE for IPv4 and IPv6, read back from the kernel's dumps."""
import pytest
from support.outcome import outcome
from support.routes import extack_value, kernel_error, multipath, nexthops, raw_route, route_dicts, routes_to

from netlink_probe import constants as C
from netlink_probe import rtnl
from netlink_probe.codec import attribute as A

# family name -> (family, a destination prefix, its length)
DST = {"inet": (C.AF_INET, "10.9.0.0", 16), "inet6": (C.AF_INET6, "fd09::", 64)}
fam_params = pytest.mark.parametrize("fam", ["inet", "inet6"])


def _only(routes):
    assert len(routes) == 1, f"expected exactly one route, the kernel holds {len(routes)}: {routes}"
    return routes[0]


@fam_params
def test_gateway_route_is_installed_with_the_requested_fields(net, fam):
    """inet_rtm_newroute / inet6_rtm_newroute: a unicast route via a gateway is dumped with the request's fields."""
    family, dst, plen = DST[fam]
    net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family)))
    d = _only(routes_to(net.rt, family, dst, plen))
    h, at = d["header"], d["attrs"]
    assert (h["rtm_type"], h["rtm_protocol"], h["rtm_scope"]) == (C.RTN_UNICAST, C.RTPROT_STATIC,
                                                                 C.RT_SCOPE_UNIVERSE)
    assert (h["rtm_table"], at["RTA_TABLE"]) == (C.RT_TABLE_MAIN, C.RT_TABLE_MAIN)
    assert at["RTA_GATEWAY"] == net.peer(family)
    # fib_check_nh / ip6_validate_gw: the device is resolved from the connected subnet of the gateway
    assert at["RTA_OIF"] == net.a


def test_ipv6_route_without_priority_gets_the_user_default_metric(net, observe):
    """ip6_route_info_create: an IPv6 route without RTA_PRIORITY gets IP6_RT_PRIO_USER (1024); IPv4 reports none."""
    net.rt.do(rtnl.route("fd09::", 64, gateway=net.peer(C.AF_INET6)))
    net.rt.do(rtnl.route("10.9.0.0", 16, gateway=net.peer(C.AF_INET)))
    v6 = _only(routes_to(net.rt, C.AF_INET6, "fd09::"))["attrs"]
    v4 = _only(routes_to(net.rt, C.AF_INET, "10.9.0.0"))["attrs"]
    observe("route.inet6_default_priority", v6.get("RTA_PRIORITY", "absent"))
    observe("route.inet_default_priority", v4.get("RTA_PRIORITY", "absent"))
    assert v6["RTA_PRIORITY"] == 1024
    assert "RTA_PRIORITY" not in v4  # fib_dump_info only puts RTA_PRIORITY when fib_priority != 0


@fam_params
def test_table_id_above_255_is_reported_as_rt_table_compat_in_the_header(net, fam, observe):
    """fib_dump_info / rt6_fill_node: a table id >= 256 fits only RTA_TABLE; rtm_table says RT_TABLE_COMPAT."""
    family, dst, plen = DST[fam]
    net.rt.do(rtnl.route(dst, plen, oif=net.a, table=1000))  # rtm_table = RT_TABLE_UNSPEC + RTA_TABLE 1000
    d = _only(routes_to(net.rt, family, dst, plen))
    observe(f"route.table_1000_rtm_table.{fam}", d["header"]["rtm_table"])
    assert d["attrs"]["RTA_TABLE"] == 1000
    assert d["header"]["rtm_table"] == C.RT_TABLE_COMPAT


@fam_params
def test_rta_table_overrides_rtm_table_in_a_new_route(net, fam):
    """rtm_to_fib_config / rtm_to_fib6_config: RTA_TABLE, when present, replaces the 8-bit rtm_table."""
    family, dst, plen = DST[fam]
    net.rt.do(raw_route(C.RTM_NEWROUTE, C.NLM_F_CREATE | C.NLM_F_EXCL, family, dst, plen,
                        A.u32(C.RTA_TABLE, 1000), A.u32(C.RTA_OIF, net.a), rtm_table=100,
                        scope=C.RT_SCOPE_LINK if family == C.AF_INET else C.RT_SCOPE_UNIVERSE))
    d = _only(routes_to(net.rt, family, dst, plen))
    assert d["attrs"]["RTA_TABLE"] == 1000


@fam_params
@pytest.mark.parametrize("rtype", ["blackhole", "unreachable", "prohibit"])
def test_reject_route_types_are_stored_with_their_type_and_no_gateway(net, fam, rtype, observe):
    """fib_create_info / ip6_route_info_create: blackhole, unreachable and prohibit routes need no nexthop."""
    family, dst, plen = DST[fam]
    t = {"blackhole": C.RTN_BLACKHOLE, "unreachable": C.RTN_UNREACHABLE, "prohibit": C.RTN_PROHIBIT}[rtype]
    net.rt.do(rtnl.route(dst, plen, rtype=t))
    d = _only(routes_to(net.rt, family, dst, plen))
    assert d["header"]["rtm_type"] == t
    assert "RTA_GATEWAY" not in d["attrs"]
    # IPv6 binds reject routes to the loopback device (ip6_route_info_create: dev = net->loopback_dev)
    observe(f"route.{rtype}_oif_is_lo.{fam}", d["attrs"].get("RTA_OIF") == 1)


@fam_params
def test_multipath_route_reports_every_nexthop_with_its_weight(net, fam):
    """fib_get_nhs / ip6_route_multipath_add: RTA_MULTIPATH carries one rtnexthop per hop, weights kept."""
    family, dst, plen = DST[fam]
    hops = [(net.a, net.peer(family), 0), (net.a, net.peer(family, second=True), 4)]
    net.rt.do(raw_route(C.RTM_NEWROUTE, C.NLM_F_CREATE | C.NLM_F_EXCL, family, dst, plen,
                        A.u32(C.RTA_TABLE, C.RT_TABLE_MAIN), multipath(hops)))
    d = _only(routes_to(net.rt, family, dst, plen))
    assert "RTA_MULTIPATH" in d["attrs"]
    assert "RTA_GATEWAY" not in d["attrs"]
    got = sorted((h["rtnh_ifindex"], h["gateway"], h["rtnh_hops"]) for h in nexthops(d["attrs"]["RTA_MULTIPATH"]))
    assert got == sorted(hops)


def test_ipv4_delete_by_gateway_matches_only_the_first_nexthop_of_a_multipath_route(net, observe):
    """fib_nh_match: a delete naming a gateway compares it with nexthop 0 only; a match removes the whole route."""
    hops = [(net.a, "10.1.0.2", 0), (net.a, "10.1.0.3", 0)]
    net.rt.do(raw_route(C.RTM_NEWROUTE, C.NLM_F_CREATE | C.NLM_F_EXCL, C.AF_INET, "10.6.0.0", 16,
                        A.u32(C.RTA_TABLE, C.RT_TABLE_MAIN), multipath(hops)))
    second = kernel_error(net.rt.do, rtnl.route("10.6.0.0", 16, gateway="10.1.0.3", cmd=C.RTM_DELROUTE, flags=0))
    observe("error.delroute_inet_multipath_second_gateway", second.errno_name)
    assert second.errno_name == "ESRCH"
    assert len(routes_to(net.rt, C.AF_INET, "10.6.0.0")) == 1
    net.rt.do(rtnl.route("10.6.0.0", 16, gateway="10.1.0.2", cmd=C.RTM_DELROUTE, flags=0))
    assert routes_to(net.rt, C.AF_INET, "10.6.0.0") == []


def test_ipv6_delete_by_gateway_removes_only_that_nexthop(net, observe):
    """ip6_route_del: a delete naming one gateway of an IPv6 multipath route removes that sibling alone."""
    hops = [(net.a, "fd00::2", 0), (net.a, "fd00::3", 0)]
    net.rt.do(raw_route(C.RTM_NEWROUTE, C.NLM_F_CREATE | C.NLM_F_EXCL, C.AF_INET6, "fd06::", 64,
                        A.u32(C.RTA_TABLE, C.RT_TABLE_MAIN), multipath(hops)))
    net.rt.do(rtnl.route("fd06::", 64, gateway="fd00::3", cmd=C.RTM_DELROUTE, flags=0))
    left = _only(routes_to(net.rt, C.AF_INET6, "fd06::"))
    observe("route.inet6_multipath_after_deleting_one_gateway", "RTA_MULTIPATH" in left["attrs"])
    assert left["attrs"].get("RTA_GATEWAY") == "fd00::2"
    assert "RTA_MULTIPATH" not in left["attrs"]


def test_ipv4_append_adds_a_second_route_but_ipv6_append_merges_into_multipath(net, observe):
    """fib_table_insert keeps NLM_F_APPEND routes as separate aliases; fib6_add_rt2node merges them as siblings."""
    for family, dst, plen in (DST["inet"], DST["inet6"]):
        net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family)))
        net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family, second=True),
                             flags=C.NLM_F_CREATE | C.NLM_F_APPEND))
    v4 = routes_to(net.rt, C.AF_INET, "10.9.0.0", 16)
    v6 = routes_to(net.rt, C.AF_INET6, "fd09::", 64)
    observe("route.append_entries.inet", len(v4))
    observe("route.append_entries.inet6", len(v6))
    assert sorted(d["attrs"]["RTA_GATEWAY"] for d in v4) == ["10.1.0.2", "10.1.0.3"]
    assert len(v6) == 1
    assert sorted(h["gateway"] for h in nexthops(v6[0]["attrs"]["RTA_MULTIPATH"])) == ["fd00::2", "fd00::3"]


@fam_params
def test_replace_swaps_the_gateway_of_the_existing_route(net, fam):
    """fib_table_insert / fib6_add_rt2node with NLM_F_REPLACE: one route remains, with the new gateway."""
    family, dst, plen = DST[fam]
    net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family)))
    net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family, second=True), flags=C.NLM_F_CREATE | C.NLM_F_REPLACE))
    d = _only(routes_to(net.rt, family, dst, plen))
    assert d["attrs"]["RTA_GATEWAY"] == net.peer(family, second=True)


@fam_params
def test_routes_differing_only_in_priority_coexist(net, fam):
    """fib_table_insert / fib6_add_rt2node: the metric is part of a route's identity."""
    family, dst, plen = DST[fam]
    net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family), priority=10))
    net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family, second=True), priority=5))
    got = sorted((d["attrs"]["RTA_PRIORITY"], d["attrs"]["RTA_GATEWAY"]) for d in routes_to(net.rt, family, dst))
    assert got == [(5, net.peer(family, second=True)), (10, net.peer(family))]


@fam_params
@pytest.mark.parametrize("flags", ["create_excl", "create"])
def test_adding_an_identical_route_again_is_eexist(net, fam, flags, observe):
    """fib_table_insert / fib6_add_rt2node: an identical route is EEXIST with CREATE|EXCL and with CREATE alone."""
    family, dst, plen = DST[fam]
    net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family)))
    f = C.NLM_F_CREATE | (C.NLM_F_EXCL if flags == "create_excl" else 0)
    e = kernel_error(net.rt.do, rtnl.route(dst, plen, gateway=net.peer(family), flags=f))
    observe(f"error.newroute_duplicate_{flags}.{fam}", e.errno_name)
    assert e.errno_name == "EEXIST"
    assert len(routes_to(net.rt, family, dst, plen)) == 1


@fam_params
def test_deleting_a_missing_route_is_esrch(net, fam, observe):
    """fib_table_delete / ip6_route_del: no matching route -> ESRCH."""
    family, dst, plen = DST[fam]
    e = kernel_error(net.rt.do, rtnl.route(dst, plen, gateway=net.peer(family), cmd=C.RTM_DELROUTE, flags=0))
    observe(f"error.delroute_missing.{fam}", e.errno_name)
    assert e.errno_name == "ESRCH"


def test_deleting_from_a_table_that_does_not_exist_is_esrch_with_extack(net, observe):
    """inet_rtm_delroute: fib_get_table finds no table -> ESRCH, 'FIB table does not exist'."""
    e = kernel_error(net.rt.do, rtnl.route("10.9.0.0", 16, oif=net.a, table=4242, cmd=C.RTM_DELROUTE, flags=0))
    observe("error.delroute_missing_table.inet", e.errno_name)
    observe("error.delroute_missing_table.inet.extack", extack_value(e))
    assert e.errno_name == "ESRCH"
    assert e.extack_msg == "FIB table does not exist"


def test_ipv4_prefix_length_33_is_einval_with_extack(net, observe):
    """fib_valid_key_len (fib_table_insert): rtm_dst_len > 32 -> EINVAL, 'Invalid prefix length'."""
    e = kernel_error(net.rt.do, rtnl.route("10.5.0.0", 33, oif=net.a))
    observe("error.newroute_dst_len_33.inet", e.errno_name)
    observe("error.newroute_dst_len_33.inet.extack", extack_value(e))
    assert e.errno_name == "EINVAL"
    assert e.extack_msg == "Invalid prefix length"


def test_ipv6_prefix_length_129_is_einval(net, observe):
    """rtm_to_fib6_config / ip6_route_info_create: rtm_dst_len > 128 -> EINVAL (this kernel sends no extack)."""
    e = kernel_error(net.rt.do, rtnl.route("fd05::", 129, oif=net.a))
    observe("error.newroute_dst_len_129.inet6", e.errno_name)
    observe("error.newroute_dst_len_129.inet6.extack", extack_value(e))
    assert e.errno_name == "EINVAL"
    assert routes_to(net.rt, C.AF_INET6, "fd05::") == []


def test_ipv4_host_bits_beyond_the_prefix_are_einval_with_extack(net, observe):
    """fib_valid_key_len: bits set past rtm_dst_len -> EINVAL, 'Invalid prefix for given prefix length'."""
    e = kernel_error(net.rt.do, rtnl.route("10.2.0.1", 16, oif=net.a))
    observe("error.newroute_host_bits.inet", e.errno_name)
    observe("error.newroute_host_bits.inet.extack", extack_value(e))
    assert e.errno_name == "EINVAL"
    assert e.extack_msg == "Invalid prefix for given prefix length"


def test_ipv6_host_bits_beyond_the_prefix_are_masked_off(net, observe):
    """ip6_route_info_create: ipv6_addr_prefix() masks RTA_DST to rtm_dst_len; IPv6 does not refuse host bits."""
    net.rt.do(rtnl.route("fd02::1", 64, oif=net.a))
    stored = [d["attrs"]["RTA_DST"] for d in routes_to(net.rt, C.AF_INET6, "fd02::", 64)]
    observe("route.inet6_host_bits_masked", stored == ["fd02::"])
    assert stored == ["fd02::"]
    assert routes_to(net.rt, C.AF_INET6, "fd02::1") == []


@fam_params
def test_new_route_without_nlm_f_create(net, fam, observe):
    """fib_table_insert needs NLM_F_CREATE (ENOENT); ip6_route_add only warns and creates the route."""
    family, dst, plen = DST[fam]
    result = outcome(net.rt.do, rtnl.route(dst, plen, gateway=net.peer(family), flags=0))
    observe(f"error.newroute_without_create.{fam}", result)
    installed = len(routes_to(net.rt, family, dst, plen))
    if family == C.AF_INET:
        assert (result, installed) == ("ENOENT", 0)
    else:
        assert (result, installed) == ("ok", 1)


@fam_params
def test_gateway_outside_every_connected_subnet_is_refused(net, fam, observe):
    """fib_check_nh_v4_gw: 'Nexthop has invalid gateway' (ENETUNREACH); ip6_validate_gw: EHOSTUNREACH."""
    family, dst, plen = DST[fam]
    gw = "10.77.0.2" if family == C.AF_INET else "fd77::2"
    e = kernel_error(net.rt.do, rtnl.route(dst, plen, gateway=gw))
    observe(f"error.newroute_unreachable_gateway.{fam}", e.errno_name)
    observe(f"error.newroute_unreachable_gateway.{fam}.extack", extack_value(e))
    assert e.errno_name == ("ENETUNREACH" if family == C.AF_INET else "EHOSTUNREACH")
    if family == C.AF_INET:
        assert e.extack_msg == "Nexthop has invalid gateway"


def test_af_unspec_dump_is_the_union_of_the_inet_and_inet6_dumps(netns, rt):
    """rtnl_dump_all: an AF_UNSPEC RTM_GETROUTE dump runs every family's dumpit in turn."""
    rt.do(rtnl.route("10.30.0.0", 24, rtype=C.RTN_BLACKHOLE))
    rt.do(rtnl.route("fd30::", 64, rtype=C.RTN_BLACKHOLE))

    def key(d):
        return (d["header"]["rtm_family"], d["header"]["rtm_table"], d["attrs"].get("RTA_DST"),
                d["header"]["rtm_dst_len"], d["header"]["rtm_type"])
    v4 = [key(d) for d in route_dicts(rt.dump("routes", C.AF_INET))]
    v6 = [key(d) for d in route_dicts(rt.dump("routes", C.AF_INET6))]
    both = [key(d) for d in route_dicts(rt.dump("routes", C.AF_UNSPEC))]
    assert {k[0] for k in v4} == {C.AF_INET} and {k[0] for k in v6} == {C.AF_INET6}
    assert (C.AF_INET, C.RT_TABLE_MAIN, "10.30.0.0", 24, C.RTN_BLACKHOLE) in v4
    assert (C.AF_INET6, C.RT_TABLE_MAIN, "fd30::", 64, C.RTN_BLACKHOLE) in v6
    assert sorted(both) == sorted(v4 + v6)


@fam_params
def test_deleting_a_route_removes_it_from_the_dump(net, fam):
    """inet_rtm_delroute / inet6_rtm_delroute: a delete naming the route's prefix and gateway removes it."""
    family, dst, plen = DST[fam]
    net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family)))
    net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family), cmd=C.RTM_DELROUTE, flags=0))
    assert routes_to(net.rt, family, dst, plen) == []
