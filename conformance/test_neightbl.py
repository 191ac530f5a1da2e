"""Neighbour tables: RTM_GETNEIGHTBL dumps (neightbl_dump_info) and RTM_SETNEIGHTBL (neightbl_set).

A dump answers, per table, one table message (neightbl_fill_info: name, thresholds, gc interval,
struct ndt_config, struct ndt_stats, the default parms) and one parameter message per device of the
requesting namespace (neightbl_fill_param_info: NDTA_NAME + NDTA_PARMS with NDTPA_IFINDEX).
The tables themselves (thresholds, default parms) are global: only per-device parms are per namespace.
"""
import pytest
from support.routes import (collect, device_messages, dump_neightbl, extack_value, kernel_error, listener, ndtmsg,
                            set_neightbl, SILENCE, table_messages)

from netlink_probe import constants as C
from netlink_probe import rtnl
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.codec import rtnl as R

TABLE = {"inet": (C.AF_INET, "arp_cache", 4), "inet6": (C.AF_INET6, "ndisc_cache", 16)}
fam_params = pytest.mark.parametrize("fam", ["inet", "inet6"])


def _links(rt) -> set[int]:
    return {m.header(L.IFINFOMSG).ifi_index for m in rt.dump("links")}


def _device_parms(rt, family) -> dict[int, dict]:
    return {d["attrs"]["NDTA_PARMS"]["NDTPA_IFINDEX"]: d["attrs"]["NDTA_PARMS"]
            for d in device_messages(dump_neightbl(rt, family))}


@fam_params
def test_dump_of_one_family_has_one_table_message_and_one_message_per_device(quiet_net, fam, observe):
    """neightbl_dump_info: the family's table, then neightbl_fill_param_info for every device of this namespace."""
    family, name, _ = TABLE[fam]
    msgs = dump_neightbl(quiet_net.rt, family)
    tables, devices = table_messages(msgs), device_messages(msgs)
    observe(f"neightbl.table_names.{fam}", sorted(d["attrs"]["NDTA_NAME"] for d in tables))
    observe(f"neightbl.device_messages_lo_and_veth_pair.{fam}", len(devices))
    assert all(d["header"]["ndtm_family"] == family and d["attrs"]["NDTA_NAME"] == name for d in msgs)
    assert len(tables) == 1
    assert sorted(d["attrs"]["NDTA_PARMS"]["NDTPA_IFINDEX"] for d in devices) == sorted(_links(quiet_net.rt))


def test_af_unspec_dump_is_the_union_of_the_family_dumps(quiet_net):
    """neightbl_dump_info: AF_UNSPEC walks every neigh_table (arp_cache and ndisc_cache here)."""
    def keys(msgs):
        return sorted((d["header"]["ndtm_family"], d["attrs"]["NDTA_NAME"],
                       d["attrs"]["NDTA_PARMS"].get("NDTPA_IFINDEX", 0)) for d in msgs)
    both = keys(dump_neightbl(quiet_net.rt, C.AF_UNSPEC))
    assert both == sorted(keys(dump_neightbl(quiet_net.rt, C.AF_INET)) +
                          keys(dump_neightbl(quiet_net.rt, C.AF_INET6)))


def test_dump_of_a_family_without_a_table_is_empty(quiet_net):
    """neightbl_dump_info: tables whose family differs from ndtm_family are skipped; none left -> empty dump."""
    assert dump_neightbl(quiet_net.rt, C.AF_BRIDGE) == []


@fam_params
def test_table_message_carries_thresholds_config_stats_and_default_parms(quiet_net, fam, observe):
    """neightbl_fill_info: NDTA_THRESH1-3, NDTA_GC_INTERVAL, NDTA_CONFIG (ndt_config), NDTA_STATS, NDTA_PARMS."""
    family, _, key_len = TABLE[fam]
    (msg,) = [m for m in quiet_net.rt.dump("neightbl", family) if m.attrs(L.NDTMSG.size).get(C.NDTA_CONFIG)]
    attrs = msg.attrs(L.NDTMSG.size)
    names = R.space_names("NDTA_UNSPEC")
    observe(f"neightbl.table_attrs.{fam}", [names.get(t, str(t)) for t in attrs.types()])
    for t in (C.NDTA_NAME, C.NDTA_THRESH1, C.NDTA_THRESH2, C.NDTA_THRESH3, C.NDTA_GC_INTERVAL, C.NDTA_CONFIG,
              C.NDTA_STATS, C.NDTA_PARMS):
        assert t in attrs
    config = L.NDT_CONFIG.unpack_dict(attrs.get(C.NDTA_CONFIG))
    assert config["ndtc_key_len"] == key_len  # the table's key is an IPv4 / IPv6 address
    assert config["ndtc_entry_size"] > 0
    assert len(attrs.get(C.NDTA_STATS)) == L.NDT_STATS.size
    parms = attrs.nested(C.NDTA_PARMS)
    assert C.NDTPA_IFINDEX not in parms  # the table's default parms belong to no device
    assert attrs.u32(C.NDTA_THRESH1) <= attrs.u32(C.NDTA_THRESH2) <= attrs.u32(C.NDTA_THRESH3)


@fam_params
def test_device_message_carries_only_the_name_and_the_device_parms(quiet_net, fam, observe):
    """neightbl_fill_param_info: NDTA_NAME and NDTA_PARMS (with NDTPA_IFINDEX), no table-wide attribute."""
    family, name, _ = TABLE[fam]
    devices = device_messages(dump_neightbl(quiet_net.rt, family))
    observe(f"neightbl.device_parms_attrs.{fam}", sorted(devices[0]["attrs"]["NDTA_PARMS"]))
    for d in devices:
        assert sorted(d["attrs"]) == ["NDTA_NAME", "NDTA_PARMS"]
        assert d["attrs"]["NDTA_NAME"] == name


@fam_params
def test_a_new_device_adds_one_parms_message_and_deleting_it_removes_it(quiet_net, fam):
    """neigh_parms_alloc / neigh_parms_release: per-device parms live and die with the device's inet/inet6 state."""
    family, _, _ = TABLE[fam]
    before = set(_device_parms(quiet_net.rt, family))
    c, d = quiet_net.rt.add_veth("rn-c", "rn-d")
    assert set(_device_parms(quiet_net.rt, family)) == before | {c, d}
    quiet_net.rt.do(rtnl.del_link(c))  # removes both ends of the pair
    assert set(_device_parms(quiet_net.rt, family)) == before


def test_thresholds_are_the_same_table_as_the_initial_namespaces(quiet_net, observe):
    """neigh_table is global: a fresh namespace's dump reports the very thresholds the host's dump reports."""
    def thresholds(rt):
        return {(d["header"]["ndtm_family"], d["attrs"]["NDTA_THRESH1"], d["attrs"]["NDTA_THRESH2"],
                 d["attrs"]["NDTA_THRESH3"], d["attrs"]["NDTA_GC_INTERVAL"]) for d in table_messages(dump_neightbl(rt))}
    with rtnl.Rtnl() as host:  # read-only dump in the initial namespace
        assert thresholds(quiet_net.rt) == thresholds(host)


@fam_params
def test_setneightbl_changes_the_parms_of_one_device(quiet_net, fam):
    """neightbl_set: NDTA_PARMS with NDTPA_IFINDEX updates that device's parms only."""
    family, name, _ = TABLE[fam]
    before = _device_parms(quiet_net.rt, family)
    set_neightbl(quiet_net.rt, family, name, parms=[
        A.u32(C.NDTPA_IFINDEX, quiet_net.a), A.u64(C.NDTPA_BASE_REACHABLE_TIME, 12000),
        A.u32(C.NDTPA_QUEUE_LEN, 7), A.u32(C.NDTPA_UCAST_PROBES, 9), A.u64(C.NDTPA_GC_STALETIME, 40000)])
    after = _device_parms(quiet_net.rt, family)
    p = after[quiet_net.a]
    assert (p["NDTPA_BASE_REACHABLE_TIME"], p["NDTPA_QUEUE_LEN"], p["NDTPA_UCAST_PROBES"],
            p["NDTPA_GC_STALETIME"]) == (12000, 7, 9, 40000)
    # neigh_rand_reach_time: the effective reachable time is redrawn in [base/2, 3*base/2)
    assert 6000 <= p["NDTPA_REACHABLE_TIME"] < 18000
    assert after[quiet_net.b]["NDTPA_BASE_REACHABLE_TIME"] == before[quiet_net.b]["NDTPA_BASE_REACHABLE_TIME"]


def test_setneightbl_stores_times_in_jiffies(quiet_net, observe):
    """neightbl_set: NDTPA_* times go through msecs_to_jiffies(); the dump reads back jiffies_to_msecs()."""
    set_neightbl(quiet_net.rt, C.AF_INET, "arp_cache", parms=[
        A.u32(C.NDTPA_IFINDEX, quiet_net.a), A.u64(C.NDTPA_BASE_REACHABLE_TIME, 11111)])
    got = _device_parms(quiet_net.rt, C.AF_INET)[quiet_net.a]["NDTPA_BASE_REACHABLE_TIME"]
    observe("neightbl.base_reachable_time_11111ms_reads_back", got)
    assert 11111 <= got < 11111 + 10  # rounded up to the next jiffy (HZ >= 100)


def test_setneightbl_with_af_unspec_finds_the_table_by_name(quiet_net):
    """neightbl_set: ndtm_family AF_UNSPEC matches any table; NDTA_NAME picks it."""
    set_neightbl(quiet_net.rt, C.AF_UNSPEC, "arp_cache", parms=[
        A.u32(C.NDTPA_IFINDEX, quiet_net.a), A.u32(C.NDTPA_MCAST_PROBES, 5)])
    assert _device_parms(quiet_net.rt, C.AF_INET)[quiet_net.a]["NDTPA_MCAST_PROBES"] == 5


def test_setneightbl_thresholds_outside_the_initial_namespace_are_enoent(quiet_net, observe):
    """neightbl_set: NDTA_THRESH*/NDTA_GC_INTERVAL are global and only init_net may set them -> ENOENT."""
    (tbl,) = table_messages(dump_neightbl(quiet_net.rt, C.AF_INET))
    current = tbl["attrs"]["NDTA_THRESH1"]  # sent unchanged, so even a kernel that accepted it changes nothing
    e = kernel_error(set_neightbl, quiet_net.rt, C.AF_INET, "arp_cache", A.u32(C.NDTA_THRESH1, current))
    observe("error.setneightbl_thresh_in_child_netns", e.errno_name)
    assert e.errno_name == "ENOENT"


def test_setneightbl_applies_device_parms_before_refusing_thresholds(quiet_net, observe):
    """neightbl_set handles NDTA_PARMS first: with a threshold outside init_net it fails ENOENT yet keeps the parms."""
    (tbl,) = table_messages(dump_neightbl(quiet_net.rt, C.AF_INET))
    current = tbl["attrs"]["NDTA_THRESH1"]
    e = kernel_error(set_neightbl, quiet_net.rt, C.AF_INET, "arp_cache", A.u32(C.NDTA_THRESH1, current), parms=[
        A.u32(C.NDTPA_IFINDEX, quiet_net.a), A.u32(C.NDTPA_APP_PROBES, 2)])
    kept = _device_parms(quiet_net.rt, C.AF_INET)[quiet_net.a]["NDTPA_APP_PROBES"]
    observe("neightbl.partial_update_kept_parms", kept == 2)
    assert e.errno_name == "ENOENT"
    assert kept == 2


def test_setneightbl_default_parms_outside_the_initial_namespace_are_enoent(quiet_net, observe):
    """lookup_neigh_parms: parms without NDTPA_IFINDEX are the table's defaults, found only from init_net -> ENOENT."""
    (tbl,) = table_messages(dump_neightbl(quiet_net.rt, C.AF_INET))
    current = tbl["attrs"]["NDTA_PARMS"]["NDTPA_BASE_REACHABLE_TIME"]
    e = kernel_error(set_neightbl, quiet_net.rt, C.AF_INET, "arp_cache",
                     parms=[A.u64(C.NDTPA_BASE_REACHABLE_TIME, current)])
    observe("error.setneightbl_default_parms_in_child_netns", e.errno_name)
    assert e.errno_name == "ENOENT"


def test_setneightbl_for_an_unknown_device_is_enoent(quiet_net, observe):
    """lookup_neigh_parms: no parms for NDTPA_IFINDEX in this namespace -> ENOENT."""
    e = kernel_error(set_neightbl, quiet_net.rt, C.AF_INET, "arp_cache", parms=[
        A.u32(C.NDTPA_IFINDEX, 4242), A.u32(C.NDTPA_APP_PROBES, 2)])
    observe("error.setneightbl_unknown_device", e.errno_name)
    assert e.errno_name == "ENOENT"


@pytest.mark.parametrize("case", ["unknown_name", "family_mismatch"])
def test_setneightbl_naming_no_table_is_enoent(quiet_net, case, observe):
    """neightbl_set: no neigh_table with that NDTA_NAME (and family, unless AF_UNSPEC) -> ENOENT."""
    family, name = {"unknown_name": (C.AF_INET, "no_such_cache"), "family_mismatch": (C.AF_INET6, "arp_cache")}[case]
    e = kernel_error(set_neightbl, quiet_net.rt, family, name, parms=[
        A.u32(C.NDTPA_IFINDEX, quiet_net.a), A.u32(C.NDTPA_APP_PROBES, 2)])
    observe(f"error.setneightbl_{case}", e.errno_name)
    assert e.errno_name == "ENOENT"


def test_setneightbl_without_a_name_is_einval(quiet_net, observe):
    """neightbl_set: NDTA_NAME is mandatory -> EINVAL."""
    e = kernel_error(set_neightbl, quiet_net.rt, C.AF_INET, None, parms=[
        A.u32(C.NDTPA_IFINDEX, quiet_net.a), A.u32(C.NDTPA_APP_PROBES, 2)])
    observe("error.setneightbl_no_name", e.errno_name)
    observe("error.setneightbl_no_name.extack", extack_value(e))
    assert e.errno_name == "EINVAL"


def test_setneightbl_with_a_too_short_u64_parm_is_refused_and_points_at_it(quiet_net, observe):
    """neightbl_set: nl_ntbl_parm_policy wants 8 bytes for NDTPA_BASE_REACHABLE_TIME; extack offset names it."""
    e = kernel_error(set_neightbl, quiet_net.rt, C.AF_INET, "arp_cache", parms=[
        A.u32(C.NDTPA_IFINDEX, quiet_net.a), A.u32(C.NDTPA_BASE_REACHABLE_TIME, 12000)])
    # offset in the request: nlmsghdr, ndtmsg (aligned), NDTA_NAME, NDTA_PARMS header, NDTPA_IFINDEX
    expected = 16 + len(ndtmsg(C.AF_INET)) + len(A.string(C.NDTA_NAME, "arp_cache")) + 4 + 8
    observe("error.setneightbl_short_u64_parm", e.errno_name)
    observe("error.setneightbl_short_u64_parm.extack", extack_value(e))
    # lib/nlattr.c validate_nla: neightbl_set parses NDTA_PARMS with nla_parse_nested_deprecated (liberal),
    # so a u64 shorter than nla_attr_minlen is -ERANGE; only a strict parse would say EINVAL
    assert e.errno_name == "ERANGE"
    assert e.extack_offset == expected


def test_setneightbl_sends_no_notification(quiet_net, observe):
    """neightbl_set changes parms without any rtnetlink multicast (no RTM_NEWNEIGHTBL on RTNLGRP_NEIGH)."""
    with listener(quiet_net.ns, C.RTNLGRP_NEIGH) as lis:
        set_neightbl(quiet_net.rt, C.AF_INET, "arp_cache", parms=[
            A.u32(C.NDTPA_IFINDEX, quiet_net.a), A.u32(C.NDTPA_APP_PROBES, 3)])
        got = collect(lis, SILENCE)
    observe("neightbl.set_notification", "silent" if not got else sorted({n.message.type_name for n in got}))
    assert got == []


@pytest.mark.parametrize("case", ["pad", "attribute"])
def test_strict_dump_with_junk_after_the_family_is_einval_with_extack(netns, case, observe):
    """neightbl_valid_dump_info (strict): nonzero ndtm_pad or any attribute after the header -> EINVAL."""
    if case == "pad":
        p = L.NDTMSG.pack(ndtm_family=C.AF_INET, ndtm_pad1=1)
        payload = p + b"\0" * (A.align(len(p)) - len(p))
        want = "Invalid values in header for neighbor table dump request"
    else:
        payload = ndtmsg(C.AF_INET) + A.string(C.NDTA_NAME, "arp_cache")
        want = "Invalid data after header in neighbor table dump request"
    with rtnl.Rtnl(netns, strict=True) as r:
        e = kernel_error(lambda: r.sock.dump(C.RTM_GETNEIGHTBL, payload).all())
    with rtnl.Rtnl(netns) as r:
        lax = len(r.sock.dump(C.RTM_GETNEIGHTBL, payload).all())
    observe(f"error.getneightbl_dump_strict_{case}", e.errno_name)
    observe(f"error.getneightbl_dump_strict_{case}.extack", extack_value(e))
    assert (e.errno_name, e.extack_msg) == ("EINVAL", want)
    assert lax == len(dump_neightbl_in(netns, C.AF_INET))  # without strict check the junk is ignored


def dump_neightbl_in(ns, family):
    with rtnl.Rtnl(ns) as r:
        return dump_neightbl(r, family)
