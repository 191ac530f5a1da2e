"""RTM_GETROUTE dumps with filters: honoured (and flagged NLM_F_DUMP_FILTERED) only under NETLINK_GET_STRICT_CHK."""
import pytest
from support.routes import dump_routes, extack_value, kernel_error

from netlink_probe import constants as C
from netlink_probe import rtnl
from netlink_probe.codec import attribute as A
from netlink_probe.codec import rtnl as R

FAM = {"inet": C.AF_INET, "inet6": C.AF_INET6, "unspec": C.AF_UNSPEC}


@pytest.fixture
def populated(net):
    """net plus a blackhole route in table 100 (IPv4 only) and an on-link route in table 1000 (both families)."""
    net.rt.do(rtnl.route("10.7.0.0", 16, rtype=C.RTN_BLACKHOLE, table=100))
    net.rt.do(rtnl.route("10.8.0.0", 16, oif=net.a, table=1000))
    net.rt.do(rtnl.route("fd08::", 64, oif=net.a, table=1000))
    return net


@pytest.fixture
def strict(netns):
    with rtnl.Rtnl(netns, strict=True) as r:
        yield r


def _summary(msgs):
    """[(family, table from RTA_TABLE, oif, type, nlmsg_flags)] of a dump."""
    out = []
    for m in msgs:
        d = R.decode(m)
        out.append((d["header"]["rtm_family"], d["attrs"].get("RTA_TABLE"), d["attrs"].get("RTA_OIF"),
                    d["header"]["rtm_type"], m.flags))
    return out


@pytest.mark.parametrize("fam", ["inet", "inet6", "unspec"])
def test_strict_dump_filtered_by_table_returns_only_that_table_flagged_dump_filtered(populated, strict, fam, observe):
    """ip_valid_fib_dump_req / inet6_dump_fib: RTA_TABLE filters, and every part carries NLM_F_DUMP_FILTERED."""
    got = _summary(dump_routes(strict, FAM[fam], attrs=A.u32(C.RTA_TABLE, 1000)))
    want_fams = {"inet": [C.AF_INET], "inet6": [C.AF_INET6], "unspec": [C.AF_INET, C.AF_INET6]}[fam]
    observe(f"route.strict_dump_table_filter_entries.{fam}", len(got))
    assert sorted(g[0] for g in got) == sorted(want_fams)
    assert all(g[1] == 1000 for g in got)
    assert all(g[4] & C.NLM_F_DUMP_FILTERED for g in got)


def test_strict_dump_filtered_by_rtm_table_in_the_header_works_like_rta_table(populated, strict):
    """ip_valid_fib_dump_req: rtm_table in the rtmsg header is a table filter as well."""
    got = _summary(dump_routes(strict, C.AF_INET, table=100))
    assert [(g[0], g[1], g[3]) for g in got] == [(C.AF_INET, 100, C.RTN_BLACKHOLE)]
    assert got[0][4] & C.NLM_F_DUMP_FILTERED


@pytest.mark.parametrize("fam", ["inet", "inet6"])
def test_strict_dump_filtered_by_oif_returns_only_routes_through_that_device(populated, strict, fam):
    """ip_valid_fib_dump_req: RTA_OIF filters by output device across all tables."""
    got = _summary(dump_routes(strict, FAM[fam], attrs=A.u32(C.RTA_OIF, populated.a)))
    assert got, "the device carries routes (connected, local, table 1000)"
    assert all(g[2] == populated.a for g in got)
    assert 1000 in {g[1] for g in got}
    all_routes = _summary(dump_routes(strict, FAM[fam]))
    assert len(got) == sum(1 for g in all_routes if g[2] == populated.a)


def test_strict_dump_filtered_by_type_returns_only_that_type(populated, strict):
    """ip_valid_fib_dump_req: rtm_type in the header filters by route type."""
    got = _summary(dump_routes(strict, C.AF_INET, rtm_type=C.RTN_BLACKHOLE))
    assert [(g[1], g[3]) for g in got] == [(100, C.RTN_BLACKHOLE)]


@pytest.mark.parametrize("fam", ["inet", "inet6"])
def test_dump_without_strict_check_ignores_the_filter_and_is_not_flagged(populated, fam, observe):
    """inet_dump_fib / inet6_dump_fib: without NETLINK_GET_STRICT_CHK the request header's filters are not read."""
    rt = populated.rt
    filtered = _summary(dump_routes(rt, FAM[fam], attrs=A.u32(C.RTA_TABLE, 1000)))
    everything = _summary(dump_routes(rt, FAM[fam]))
    observe(f"route.lax_dump_table_filter_honoured.{fam}", len(filtered) != len(everything))
    assert sorted(filtered) == sorted(everything)
    assert {g[1] for g in filtered} >= {C.RT_TABLE_MAIN, C.RT_TABLE_LOCAL, 1000}
    assert not any(g[4] & C.NLM_F_DUMP_FILTERED for g in filtered)


@pytest.mark.parametrize("fam", ["inet", "inet6", "unspec"])
def test_strict_dump_with_junk_in_the_header_is_einval_with_extack(strict, fam, observe):
    """ip_valid_fib_dump_req: nonzero rtm_dst_len/src_len/tos/scope -> EINVAL 'Invalid values in header ...'."""
    e = kernel_error(dump_routes, strict, FAM[fam], rtm_dst_len=8)
    observe(f"error.getroute_dump_strict_junk_header.{fam}", e.errno_name)
    observe(f"error.getroute_dump_strict_junk_header.{fam}.extack", extack_value(e))
    assert e.errno_name == "EINVAL"
    assert e.extack_msg == "Invalid values in header for FIB dump request"


def test_strict_dump_with_an_unknown_rtm_flag_is_einval_with_extack(strict, observe):
    """ip_valid_fib_dump_req: rtm_flags other than RTM_F_CLONED|RTM_F_PREFIX -> 'Invalid flags for FIB dump request'."""
    e = kernel_error(dump_routes, strict, C.AF_INET, rtm_flags=C.RTM_F_LOOKUP_TABLE)
    observe("error.getroute_dump_strict_bad_flags.inet", e.errno_name)
    observe("error.getroute_dump_strict_bad_flags.inet.extack", extack_value(e))
    assert e.errno_name == "EINVAL"
    assert e.extack_msg == "Invalid flags for FIB dump request"


def test_strict_dump_with_an_unsupported_attribute_is_einval_with_extack(strict, observe):
    """ip_valid_fib_dump_req: only RTA_TABLE and RTA_OIF are dump filters -> 'Unsupported attribute in dump request'."""
    e = kernel_error(dump_routes, strict, C.AF_INET, attrs=A.u32(C.RTA_PRIORITY, 5))
    observe("error.getroute_dump_strict_bad_attr.inet", e.errno_name)
    observe("error.getroute_dump_strict_bad_attr.inet.extack", extack_value(e))
    assert e.errno_name == "EINVAL"
    assert e.extack_msg == "Unsupported attribute in dump request"


def test_strict_dump_with_an_unknown_oif_is_enodev(strict, observe):
    """ip_valid_fib_dump_req: __dev_get_by_index fails for the RTA_OIF filter -> ENODEV."""
    e = kernel_error(dump_routes, strict, C.AF_INET, attrs=A.u32(C.RTA_OIF, 4242))
    observe("error.getroute_dump_strict_unknown_oif.inet", e.errno_name)
    assert e.errno_name == "ENODEV"


@pytest.mark.parametrize("fam", ["inet", "inet6"])
def test_strict_dump_of_a_missing_table_is_enoent_for_one_family(strict, fam, observe):
    """inet_dump_fib / inet6_dump_fib: a table filter naming no table -> ENOENT 'ipvN: FIB table does not exist'."""
    e = kernel_error(dump_routes, strict, FAM[fam], attrs=A.u32(C.RTA_TABLE, 4242))
    observe(f"error.getroute_dump_strict_missing_table.{fam}", e.errno_name)
    observe(f"error.getroute_dump_strict_missing_table.{fam}.extack", extack_value(e))
    assert e.errno_name == "ENOENT"
    assert e.extack_msg == f"ipv{4 if fam == 'inet' else 6}: FIB table does not exist"


def test_strict_af_unspec_dump_of_a_missing_table_is_empty_not_an_error(strict, observe):
    """inet_dump_fib / inet6_dump_fib: for an AF_UNSPEC request a missing table is skipped silently."""
    got = dump_routes(strict, C.AF_UNSPEC, attrs=A.u32(C.RTA_TABLE, 4242))
    observe("route.strict_dump_missing_table.unspec", len(got))
    assert got == []


def test_strict_dump_of_a_table_only_one_family_has_skips_the_other(populated, strict):
    """inet6_dump_fib: IPv4's table 100 does not exist for IPv6, so an AF_UNSPEC dump returns IPv4's routes only."""
    got = _summary(dump_routes(strict, C.AF_UNSPEC, table=100))
    assert [(g[0], g[1]) for g in got] == [(C.AF_INET, 100)]
