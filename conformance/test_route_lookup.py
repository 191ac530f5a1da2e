"""RTM_GETROUTE doit: the FIB lookup for one destination, and what the reply says about the table."""
import pytest
from support.routes import extack_value, fib_rule_to_table, kernel_error, lookup

from netlink_probe import constants as C
from netlink_probe import rtnl

fam_params = pytest.mark.parametrize("fam", ["inet", "inet6"])
FAM = {"inet": C.AF_INET, "inet6": C.AF_INET6}


@fam_params
def test_lookup_returns_the_gateway_device_and_source_of_the_matching_route(net, fam):
    """inet_rtm_getroute / inet6_rtm_getroute: the reply describes the route the FIB lookup chose."""
    family = FAM[fam]
    dst, probe = ("10.9.0.0", "10.9.1.1") if family == C.AF_INET else ("fd09::", "fd09::1")
    net.rt.do(rtnl.route(dst, 16 if family == C.AF_INET else 64, gateway=net.peer(family)))
    d = lookup(net.rt, probe)
    h, at = d["header"], d["attrs"]
    assert d["type"] == "RTM_NEWROUTE"
    assert (h["rtm_family"], h["rtm_dst_len"], h["rtm_type"]) == (family, 32 if family == C.AF_INET else 128,
                                                                  C.RTN_UNICAST)
    assert at["RTA_DST"] == probe
    assert at["RTA_OIF"] == net.a
    assert at["RTA_GATEWAY"] == net.peer(family)
    assert at["RTA_PREFSRC"] == net.local(family)  # the address of the outgoing device
    assert at["RTA_TABLE"] == C.RT_TABLE_MAIN


@fam_params
def test_lookup_picks_the_route_with_the_lowest_priority_value(net, fam):
    """fib_table_lookup / fib6_table_lookup: among equal prefixes the lowest metric wins."""
    family = FAM[fam]
    dst, plen, probe = ("10.20.0.0", 16, "10.20.1.1") if family == C.AF_INET else ("fd20::", 64, "fd20::1")
    net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family), priority=10))
    net.rt.do(rtnl.route(dst, plen, gateway=net.peer(family, second=True), priority=5))
    assert lookup(net.rt, probe)["attrs"]["RTA_GATEWAY"] == net.peer(family, second=True)


@fam_params
def test_lookup_prefers_the_longest_matching_prefix(net, fam):
    """fib_table_lookup / fib6_lookup: the most specific prefix wins over a shorter one."""
    family = FAM[fam]
    if family == C.AF_INET:
        wide, narrow, probe = ("10.20.0.0", 16), ("10.20.1.0", 24), "10.20.1.1"
    else:
        wide, narrow, probe = ("fd20::", 32), ("fd20::", 64), "fd20::1"
    net.rt.do(rtnl.route(*wide, gateway=net.peer(family)))
    net.rt.do(rtnl.route(*narrow, gateway=net.peer(family, second=True)))
    assert lookup(net.rt, probe)["attrs"]["RTA_GATEWAY"] == net.peer(family, second=True)


@fam_params
@pytest.mark.parametrize("rtype", ["blackhole", "unreachable", "prohibit", "throw"])
def test_lookup_hitting_a_reject_route_fails_with_that_types_errno(net, fam, rtype, observe):
    """fib_props[] (IPv4) / ip6_rt_type_to_error (IPv6): the route type decides the lookup's errno."""
    family = FAM[fam]
    t = {"blackhole": C.RTN_BLACKHOLE, "unreachable": C.RTN_UNREACHABLE, "prohibit": C.RTN_PROHIBIT,
         "throw": C.RTN_THROW}[rtype]
    dst, plen, probe = ("10.30.0.0", 24, "10.30.0.1") if family == C.AF_INET else ("fd30::", 64, "fd30::1")
    net.rt.do(rtnl.route(dst, plen, rtype=t))
    e = kernel_error(lookup, net.rt, probe)
    observe(f"route.lookup_errno.{rtype}.{fam}", e.errno_name)
    # blackhole is EINVAL in both families; the others are the errno their names promise
    expected = {"blackhole": "EINVAL", "unreachable": "EHOSTUNREACH", "prohibit": "EACCES", "throw": "ENETUNREACH"}
    assert e.errno_name == expected[rtype]


@fam_params
def test_lookup_without_any_matching_route_is_enetunreach(net, fam, observe):
    """fib_lookup / ip6_route_output: no route at all -> ENETUNREACH."""
    e = kernel_error(lookup, net.rt, "10.99.0.1" if FAM[fam] == C.AF_INET else "fd99::1")
    observe(f"route.lookup_errno.no_route.{fam}", e.errno_name)
    assert e.errno_name == "ENETUNREACH"


def test_ipv4_lookup_reports_table_main_unless_lookup_table_is_set(net, observe):
    """inet_rtm_getroute: table_id stays RT_TABLE_MAIN; only RTM_F_LOOKUP_TABLE reports res.table->tb_id."""
    net.rt.do(rtnl.route("10.8.0.0", 16, oif=net.a, table=1000))
    net.rt.do(fib_rule_to_table(C.AF_INET, 1000, 100))
    plain = lookup(net.rt, "10.8.1.1")
    flagged = lookup(net.rt, "10.8.1.1", lookup_table=True)
    observe("route.lookup_table_reported.inet.without_flag", plain["attrs"]["RTA_TABLE"])
    observe("route.lookup_table_reported.inet.with_flag", flagged["attrs"]["RTA_TABLE"])
    assert plain["attrs"]["RTA_OIF"] == flagged["attrs"]["RTA_OIF"] == net.a  # found in table 1000 both times
    assert (plain["header"]["rtm_table"], plain["attrs"]["RTA_TABLE"]) == (C.RT_TABLE_MAIN, C.RT_TABLE_MAIN)
    assert (flagged["header"]["rtm_table"], flagged["attrs"]["RTA_TABLE"]) == (C.RT_TABLE_COMPAT, 1000)


def test_ipv4_local_routes_are_found_in_main_until_a_custom_rule_unmerges_the_tables(net, observe):
    """fib_lookup fast path: local and main share one trie until fib_unmerge(); LOOKUP_TABLE shows which."""
    before = lookup(net.rt, net.local(C.AF_INET), lookup_table=True)
    net.rt.do(fib_rule_to_table(C.AF_INET, 1000, 100))  # any custom rule unmerges local from main
    after = lookup(net.rt, net.local(C.AF_INET), lookup_table=True)
    observe("route.lookup_table_local_address.inet.merged", before["attrs"]["RTA_TABLE"])
    observe("route.lookup_table_local_address.inet.unmerged", after["attrs"]["RTA_TABLE"])
    assert before["header"]["rtm_type"] == after["header"]["rtm_type"] == C.RTN_LOCAL
    assert before["attrs"]["RTA_TABLE"] == C.RT_TABLE_MAIN
    assert after["attrs"]["RTA_TABLE"] == C.RT_TABLE_LOCAL


def test_ipv6_lookup_reports_the_table_of_the_route_with_or_without_the_flag(net, observe):
    """inet6_rtm_getroute / rt6_fill_node: the reply names the route's own table; RTM_F_LOOKUP_TABLE changes nothing."""
    net.rt.do(rtnl.route("fd08::", 64, oif=net.a, table=1000))
    net.rt.do(fib_rule_to_table(C.AF_INET6, 1000, 100))
    plain = lookup(net.rt, "fd08::1")
    flagged = lookup(net.rt, "fd08::1", lookup_table=True)
    local = lookup(net.rt, net.local(C.AF_INET6))
    observe("route.lookup_table_reported.inet6.without_flag", plain["attrs"]["RTA_TABLE"])
    assert plain["attrs"]["RTA_TABLE"] == flagged["attrs"]["RTA_TABLE"] == 1000
    assert plain["header"]["rtm_table"] == C.RT_TABLE_COMPAT
    assert (local["header"]["rtm_type"], local["attrs"]["RTA_TABLE"]) == (C.RTN_LOCAL, C.RT_TABLE_LOCAL)


@fam_params
def test_rta_table_in_a_lookup_is_ignored_without_strict_check(net, fam, observe):
    """inet_rtm_getroute / inet6_rtm_getroute: the lookup follows the rules; RTA_TABLE does not pick a table."""
    family = FAM[fam]
    dst, plen, probe = ("10.8.0.0", 16, "10.8.1.1") if family == C.AF_INET else ("fd08::", 64, "fd08::1")
    net.rt.do(rtnl.route(dst, plen, oif=net.a, table=1000))  # no rule leads to table 1000
    e = kernel_error(net.rt.get, rtnl.get_route(probe, table=1000))
    observe(f"route.lookup_with_rta_table_not_in_rules.{fam}", e.errno_name)
    assert e.errno_name == "ENETUNREACH"


@fam_params
def test_strict_lookup_rejects_rta_table_with_extack(netns, fam, observe):
    """inet_rtm_valid_getroute_req / inet6_rtm_valid_getroute_req: under strict check RTA_TABLE is refused."""
    with rtnl.Rtnl(netns, strict=True) as rs:
        e = kernel_error(rs.get, rtnl.get_route("127.0.0.1" if fam == "inet" else "::1", table=C.RT_TABLE_MAIN))
    observe(f"error.getroute_strict_rta_table.{fam}", e.errno_name)
    observe(f"error.getroute_strict_rta_table.{fam}.extack", extack_value(e))
    assert e.errno_name == "EINVAL"
    assert e.extack_msg and "Unsupported attribute" in e.extack_msg
