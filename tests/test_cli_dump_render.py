"""`dump`'s renderers and output plumbing on constructed bytes and decoded values (no kernel).

What ip 6.1 prints for the cases the live parity tests cannot reach on every
kernel (VXLAN group vs remote, TTL inherit, bond targets, GRE keys, ip6tnl
flow info, rule selectors, nexthop group weights, mdb entries, VLAN ranges),
the streamed JSON writer (byte for byte the whole-list layout), and the
filter words.
"""
from __future__ import annotations

import argparse
import io
import json
import struct

import pytest

from netlink_probe import constants as C
from netlink_probe.cli import dump as dump_cli
from netlink_probe.cli._common import JsonStream, print_json
from netlink_probe.cli.errors import CliError
from netlink_probe.codec import attribute as A
from netlink_probe.codec import encode, parse
from netlink_probe.codec import layouts as L
from netlink_probe.iproute2 import Links
from netlink_probe.iproute2 import mdb, netconf, nexthops, rules, stats, vlan
from netlink_probe.iproute2.bridge_fdb import fdb_state
from netlink_probe.iproute2.linkinfo import linkinfo_json
from netlink_probe.iproute2.linkinfo_bridge import bridge_id
from netlink_probe.iproute2.linkinfo_rows import c_hex

NO_LINKS = Links([])


def message(mtype: int, payload: bytes):
    (m,) = parse(encode(mtype, 0, payload))
    return m


def info(kind: str, data: dict) -> dict:
    return linkinfo_json({"IFLA_INFO_KIND": kind, "IFLA_INFO_DATA": data}, NO_LINKS)["info_data"]


# -- the streamed writer --------------------------------------------------------------------------------
@pytest.mark.parametrize("objs", [[], [{}], [{"a": 1, "b": [1, {"c": "x\ny"}], "d": {}}], [{"a": None}, {"b": []}]])
def test_json_stream_writes_the_bytes_print_json_writes_for_the_whole_list(objs):
    whole, streamed = io.StringIO(), io.StringIO()
    print_json(objs, stream=whole)
    with JsonStream(streamed) as w:
        for o in objs:
            w.write(o)
    assert streamed.getvalue() == whole.getvalue()


def test_json_lines_writes_one_compact_object_per_line():
    out = io.StringIO()
    with JsonStream(out, lines=True) as w:
        w.write({"a": 1, "b": [1, 2]})
        w.write({})
    assert out.getvalue() == '{"a":1,"b":[1,2]}\n{}\n'


def test_json_stream_closes_the_array_when_the_producer_fails():
    out = io.StringIO()
    with pytest.raises(RuntimeError), JsonStream(out) as w:
        w.write({"a": 1})
        raise RuntimeError("the kernel went away")
    assert json.loads(out.getvalue()) == [{"a": 1}]


# -- filter words --------------------------------------------------------------------------------------
def test_filter_words_become_a_mapping():
    assert dump_cli.parse_filters("links", ["dev", "va", "type", "veth"]) == {"dev": "va", "type": "veth"}


@pytest.mark.parametrize("what, words, needle", [
    ("links", ["dev"], "needs a value"), ("links", ["mtu", "9000"], "unknown filter"),
    ("rules", ["dev", "x"], "does not apply"), ("links", ["dev", "a", "dev", "b"], "given twice")])
def test_bad_filter_words_are_refused_in_one_line(what, words, needle):
    with pytest.raises(CliError, match=needle):
        dump_cli.parse_filters(what, words)


def test_filter_words_go_anywhere_among_the_options():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    dump_cli.add_parser(sub)
    args = parser.parse_args(["dump", "links", "-d", "dev", "va", "--json", "-s", "-s"])
    assert (args.filters, args.details, args.json, args.stats) == (["dev", "va"], True, True, 2)


# -- link kinds ------------------------------------------------------------------------------------------
def test_vxlan_multicast_group_is_group_and_unicast_is_remote6():
    assert info("vxlan", {"IFLA_VXLAN_ID": 1, "IFLA_VXLAN_GROUP": "239.1.1.1"}) == {"id": 1, "group": "239.1.1.1"}
    assert info("vxlan", {"IFLA_VXLAN_GROUP6": "2001:db8::1", "IFLA_VXLAN_LOCAL6": "2001:db8::5"}) == \
        {"remote6": "2001:db8::1", "local6": "2001:db8::5"}


def test_vxlan_zero_group_ends_the_group_chain_as_ips_else_if():
    """vxlan_print_opt: `if (tb[GROUP]) {if (addr) ...} else if (tb[GROUP6])`: a zero GROUP hides GROUP6."""
    assert info("vxlan", {"IFLA_VXLAN_GROUP": "0.0.0.0", "IFLA_VXLAN_GROUP6": "2001:db8::1"}) == {}


def test_vxlan_ttl_inherit_prints_no_ttl_and_tos_inherit_is_hex_one():
    assert info("vxlan", {"IFLA_VXLAN_TTL_INHERIT": 1, "IFLA_VXLAN_TTL": 0, "IFLA_VXLAN_TOS": 1}) == {"tos": "0x1"}
    assert info("vxlan", {"IFLA_VXLAN_TTL_INHERIT": 0, "IFLA_VXLAN_TTL": 0}) == {"ttl": 0}


def test_print_0xhex_json_form_is_c_hash_x():
    assert (c_hex(0), c_hex(1), c_hex(0x10)) == ("0", "0x1", "0x10")


def test_bridge_id_is_priority_hex_and_ether_ntoa():
    assert bridge_id(bytes([0x80, 0x00, 0xca, 0x09, 0x00, 0x80, 0x96, 0x86])) == "8000.ca:9:0:80:96:86"


def test_bridge_port_fwd_mask_names_the_bits_bridge_knows():
    port = linkinfo_json({"IFLA_INFO_KIND": "veth", "IFLA_INFO_SLAVE_KIND": "bridge",
                          "IFLA_INFO_SLAVE_DATA": {"IFLA_BRPORT_GROUP_FWD_MASK": 0b100000000000101}}, NO_LINKS)
    assert port["info_slave_data"] == {"group_fwd_mask": "0x4005", "group_fwd_mask_str": "stp,lacp,lldp"}


def test_kinds_without_a_printer_have_no_info_data():
    assert linkinfo_json({"IFLA_INFO_KIND": "veth"}, NO_LINKS) == {"info_kind": "veth"}
    assert linkinfo_json({"IFLA_INFO_KIND": "bridge"}, NO_LINKS) == {"info_kind": "bridge", "info_data": {}}


def test_bond_targets_and_a_zero_arp_validate():
    got = info("bond", {"IFLA_BOND_MODE": 1, "IFLA_BOND_ARP_IP_TARGET": {"BOND_TARGET_0": "192.0.2.1",
                                                                          "BOND_TARGET_1": "192.0.2.2"},
                        "IFLA_BOND_ARP_VALIDATE": 0, "IFLA_BOND_XMIT_HASH_POLICY": 5})
    assert got == {"mode": "active-backup", "arp_ip_target": ["192.0.2.1", "192.0.2.2"], "arp_validate": None,
                   "xmit_hash_policy": "vlan+srcmac"}


def test_bond_port_lacp_states_by_name():
    port = linkinfo_json({"IFLA_INFO_SLAVE_KIND": "bond", "IFLA_INFO_SLAVE_DATA": {
        "IFLA_BOND_SLAVE_STATE": 1, "IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE": 0x3d}}, NO_LINKS)
    assert port["info_slave_data"] == {"state": "BACKUP", "ad_actor_oper_port_state": 61,
                                       "ad_actor_oper_port_state_str": ["active", "aggregating", "in_sync",
                                                                        "collecting", "distributing"]}


def test_vlan_without_protocol_is_802_1q_lower_case_and_flags_in_ips_order():
    assert info("vlan", {"IFLA_VLAN_ID": 10, "IFLA_VLAN_FLAGS": {"flags": 0b1101, "mask": 0xFFFFFFFF}}) == \
        {"protocol": "802.1q", "id": 10, "flags": ["REORDER_HDR", "MVRP", "LOOSE_BINDING"]}


def test_macvlan_source_mode_lists_its_addresses():
    got = info("macvlan", {"IFLA_MACVLAN_MODE": 16, "IFLA_MACVLAN_FLAGS": 0, "IFLA_MACVLAN_MACADDR_COUNT": 1,
                           "IFLA_MACVLAN_MACADDR_DATA": {"IFLA_MACVLAN_MACADDR": "02:00:00:00:00:01"}})
    assert got == {"mode": "source", "macaddr_count": 1, "macaddr_data": ["02:00:00:00:00:01"]}


def test_gre_prints_endpoints_and_ttl_even_without_attributes_and_keys_dotted():
    got = info("gre", {"IFLA_GRE_IFLAGS": 0x2000, "IFLA_GRE_IKEY": 42, "IFLA_GRE_OFLAGS": 0x1000})
    assert got == {"remote": "any", "local": "any", "ttl": 0, "ikey": "0.0.0.42", "oseq": True}


def test_ip6tnl_tclass_and_flowlabel_from_flowinfo():
    got = info("ip6tnl", {"IFLA_IPTUN_PROTO": 41, "IFLA_IPTUN_FLOWINFO": 0x0AB12345, "IFLA_IPTUN_ENCAP_LIMIT": 4})
    assert got == {"proto": "ip6ip6", "remote": "any", "local": "any", "ttl": 0, "encap_limit": 4,
                   "tclass": "0xab", "flowlabel": "0x12345"}


def test_sit_6rd_prefix_is_shown_when_its_length_is_set():
    got = info("sit", {"IFLA_IPTUN_6RD_PREFIX": "2002::", "IFLA_IPTUN_6RD_PREFIXLEN": 16,
                       "IFLA_IPTUN_6RD_RELAY_PREFIX": "0.0.0.0", "IFLA_IPTUN_PMTUDISC": 1})
    assert got == {"remote": "any", "local": "any", "ttl": 0, "pmtudisc": True, "prefix": "2002::",
                   "prefixlen": 16}


# -- statistics ------------------------------------------------------------------------------------------
def test_stats64_levels_follow_ip_s_and_ip_s_s():
    counters = {f: i for i, f in enumerate(stats.FIELDS)}
    _, one = stats.stats_json({"IFLA_STATS64": counters}, 1)
    key, two = stats.stats_json({"IFLA_STATS64": counters, "IFLA_CARRIER_CHANGES": 3}, 2)
    assert key == "stats64" and list(one["rx"]) == ["bytes", "packets", "errors", "dropped", "over_errors",
                                                    "multicast", "compressed"]
    assert two["rx"]["nohandler"] == counters["rx_nohandler"] and two["tx"]["carrier_changes"] == 3


def test_raw_stats_struct_is_read_as_far_as_it_goes():
    raw = struct.pack("=3Q", 1, 2, 3)
    assert stats.counters(raw, 8) == {"rx_packets": 1, "tx_packets": 2, "rx_bytes": 3}


# -- objects -----------------------------------------------------------------------------------------------
def test_inverted_rule_with_a_source_prefix_and_goto():
    hdr = L.FIB_RULE_HDR.pack(family=C.AF_INET, src_len=16, flags=rules.FIB_RULE_INVERT, action=rules.FR_ACT_GOTO)
    m = message(C.RTM_NEWRULE, hdr + A.u32(C.FRA_PRIORITY, 5) + A.attr(C.FRA_SRC, bytes([10, 2, 0, 0]))
                + A.u32(C.FRA_GOTO, 100) + A.u8(C.FRA_PROTOCOL, C.RTPROT_BOOT))
    assert rules.rule_json(m) == {"priority": 5, "not": None, "src": "10.2.0.0", "srclen": 16, "goto": 100,
                                  "protocol": "boot"}
    assert rules.rules_text([rules.rule_json(m)]) == "5:\tnot from 10.2.0.0/16 goto 100 proto boot"


def test_nexthop_group_weights_are_shown_plus_one_when_set():
    grp = struct.pack("=IBBH", 1, 0, 0, 0) + struct.pack("=IBBH", 2, 4, 0, 0)
    m = message(C.RTM_NEWNEXTHOP, nexthops.dump_payload() + A.u32(nexthops.NHA_ID, 9)
                + A.attr(nexthops.NHA_GROUP, grp))
    d = nexthops.nexthop_json(m, NO_LINKS)
    assert d == {"id": 9, "group": [{"id": 1}, {"id": 2, "weight": 5}], "flags": []}
    assert nexthops.nexthops_text([d]) == "id 9 group 1/2,5 "


def test_netconf_names_all_and_default_and_rp_filter_modes():
    m = message(C.RTM_NEWNETCONF, netconf.dump_payload(C.AF_INET) + A.s32(netconf.NETCONFA_IFINDEX, -2)
                + A.u32(netconf.NETCONFA_RP_FILTER, 2) + A.u32(netconf.NETCONFA_FORWARDING, 1))
    assert netconf.netconf_json(m, NO_LINKS) == {"family": "inet", "interface": "default", "forwarding": True,
                                                 "rp_filter": "loose"}


@pytest.mark.parametrize("state, text", [(C.NUD_PERMANENT, "permanent"), (C.NUD_NOARP, "static"),
                                         (C.NUD_STALE, "stale"), (C.NUD_REACHABLE, ""), (C.NUD_FAILED, "0x20")])
def test_fdb_states_by_bridges_names(state, text):
    assert fdb_state(state) == text


def test_mdb_entry_struct_and_its_attributes():
    entry = mdb.MDB_ENTRY.pack(3, mdb.MDB_PERMANENT, 1, 10, bytes([239, 1, 1, 1]) + bytes(12),
                               int.from_bytes((0x0800).to_bytes(2, "big"), "little"))
    info_attr = A.attr(mdb.MDBA_MDB_ENTRY_INFO, entry + A.u32(mdb.MDBA_MDB_EATTR_TIMER, 25968), nested=True)
    body = A.nest(mdb.MDBA_MDB, A.nest(mdb.MDBA_MDB_ENTRY, info_attr))
    m = message(C.RTM_GETMDB, mdb.BR_PORT_MSG.pack(C.AF_BRIDGE, 4) + body)
    (d,) = mdb.mdb_entries(m, NO_LINKS, stats=True)
    assert d == {"index": 4, "dev": "if4", "port": "if3", "grp": "239.1.1.1", "state": "permanent",
                 "flags": ["offload"], "vid": 10, "timer": " 259.68"}


def test_vlan_ranges_and_flags_as_bridge_prints_them():
    def vi(flags: int, vid: int) -> bytes:
        return A.attr(C.IFLA_BRIDGE_VLAN_INFO, vlan.VLAN_INFO.pack(flags, vid))
    spec = A.nest(C.IFLA_AF_SPEC, vi(0x2 | 0x4, 1), vi(0x8, 20), vi(0x10, 22), vi(0, 30))
    m = message(C.RTM_NEWLINK, L.IFINFOMSG.pack(ifi_family=C.AF_BRIDGE, ifi_index=5) + spec)
    assert vlan.vlan_json(m, NO_LINKS) == {"ifname": "if5", "vlans": [
        {"vlan": 1, "flags": ["PVID", "Egress Untagged"]}, {"vlan": 20, "vlanEnd": 22, "flags": []}, {"vlan": 30}]}
