"""The generic decoder over captured kernel bytes (tests/data/schema/, see its README): every new space typed.

Each test names the kernel function that put the value and checks it against
what rich_namespace.sh configured.
"""
from __future__ import annotations

import functools
import os
import struct

import pytest

from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.codec import rtnl as R
from netlink_probe.codec import values
from netlink_probe.codec.describe import describe_buffer
from netlink_probe.codec.describe_text import message_text
from netlink_probe.codec.message import parse
from netlink_probe.codec.schema.decode import decode_bytes

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "schema")


@functools.cache
def blob(name: str) -> bytes:
    with open(os.path.join(DATA, f"{name}.bin"), "rb") as f:
        return f.read()


def decoded(name: str) -> list[dict]:
    return [R.decode(m) for m in parse(blob(name))]


def link(name: str, dump: str = "links") -> dict:
    (d,) = [d for d in decoded(dump) if d["attrs"].get("IFLA_IFNAME") == name]
    return d["attrs"]


def info_data(name: str) -> dict:
    return link(name)["IFLA_LINKINFO"]["IFLA_INFO_DATA"]


def test_vxlan_info_data_is_typed_with_the_port_big_endian():
    """vxlan_fill_info: IFLA_VXLAN_PORT with nla_put_be16 (4790 = 12 b6 on the wire), LOCAL an in_addr."""
    d = info_data("vx0")
    assert (d["IFLA_VXLAN_ID"], d["IFLA_VXLAN_PORT"], d["IFLA_VXLAN_LOCAL"]) == (42, 4790, "10.9.0.1")
    (va,) = [d for d in decoded("links") if d["attrs"]["IFLA_IFNAME"] == "va"]
    assert d["IFLA_VXLAN_PORT_RANGE"] == {"low": 0, "high": 0} and d["IFLA_VXLAN_LINK"] == va["header"]["ifi_index"]


def test_bridge_info_data_is_typed_including_numbers_newer_than_the_headers():
    """br_fill_info: u32 timers in centiseconds, u64 timer values, the group address, IFLA_BR_FDB_N_LEARNED (48)."""
    d = info_data("br0")
    assert d["IFLA_BR_GROUP_ADDR"] == "01:80:c2:00:00:00" and d["IFLA_BR_FORWARD_DELAY"] == 1500
    assert d["IFLA_BR_MULTI_BOOLOPT"]["optmask"] > 0
    assert isinstance(d["IFLA_BR_FDB_N_LEARNED"], int) and isinstance(d["IFLA_BR_MCAST_QUERY_INTVL"], int)


def test_bridge_port_slave_data_is_typed():
    """br_port_fill_attrs via IFLA_INFO_SLAVE_DATA (slave kind 'bridge'): state forwarding (3), IFLA_BRPORT_MAB (40)."""
    li = link("vb")["IFLA_LINKINFO"]
    assert li["IFLA_INFO_SLAVE_KIND"] == "bridge"
    d = li["IFLA_INFO_SLAVE_DATA"]
    assert d["IFLA_BRPORT_STATE"] == 3 and d["IFLA_BRPORT_COST"] == 2 and d["IFLA_BRPORT_MAB"] == 0


@pytest.mark.parametrize("name,kind,mode", [("mv0", "macvlan", 4), ("mvt0", "macvtap", 2)])
def test_macvlan_and_macvtap_share_one_space(name, kind, mode):
    """macvlan_fill_info: IFLA_MACVLAN_MODE u32 (MACVLAN_MODE_BRIDGE 4, MACVLAN_MODE_VEPA 2)."""
    li = link(name)["IFLA_LINKINFO"]
    assert li["IFLA_INFO_KIND"] == kind and li["IFLA_INFO_DATA"]["IFLA_MACVLAN_MODE"] == mode


def test_tap_info_data_is_typed_and_ifb_has_none():
    """tun_fill_info: IFLA_TUN_TYPE IFF_TAP (2), persistent; ifb has no fill_info."""
    d = info_data("tap0")
    assert (d["IFLA_TUN_TYPE"], d["IFLA_TUN_PERSIST"]) == (2, 1)
    assert link("ifb0")["IFLA_LINKINFO"] == {"IFLA_INFO_KIND": "ifb"}


def test_af_spec_inet_and_inet6_are_typed():
    """inet_fill_link_af: IFLA_INET_CONF ints by devconf index; inet6_fill_ifla6_attrs: stats u64 with the count first."""
    spec = link("va")["IFLA_AF_SPEC"]
    conf = spec["AF_INET"]["IFLA_INET_CONF"]
    assert isinstance(conf, list) and len(conf) > 20 and all(isinstance(v, int) for v in conf)
    v6 = spec["AF_INET6"]
    assert v6["IFLA_INET6_STATS"][0] == len(v6["IFLA_INET6_STATS"])
    assert v6["IFLA_INET6_ICMP6STATS"][0] == len(v6["IFLA_INET6_ICMP6STATS"])
    assert v6["IFLA_INET6_TOKEN"] == "::" and set(v6["IFLA_INET6_CACHEINFO"]) >= {"reachable_time", "retrans_time"}
    assert isinstance(v6["IFLA_INET6_CONF"][0], int)


def test_stats_map_and_xdp_are_typed():
    """rtnl_fill_stats (24 u32 / 25 u64 counters), rtnl_fill_link_ifmap (32 bytes, 4 of padding), rtnl_xdp_fill."""
    a = link("va")
    assert len(a["IFLA_STATS"]) == 24 and len(a["IFLA_STATS64"]) == 25
    assert a["IFLA_STATS64"]["tx_packets"] >= a["IFLA_STATS"]["tx_packets"] > 0
    assert a["IFLA_MAP"] == {"mem_start": 0, "mem_end": 0, "base_addr": 0, "irq": 0, "dma": 0, "port": 0}
    assert a["IFLA_XDP"] == {"IFLA_XDP_ATTACHED": 0}


def test_link_attributes_newer_than_the_headers_are_named_and_typed():
    """rtnl_fill_ifinfo: IFLA_HEADROOM/IFLA_TAILROOM (u16), IFLA_NETNS_IMMUTABLE (u8), the IPv4 GSO/GRO sizes."""
    a = link("va")
    assert (a["IFLA_HEADROOM"], a["IFLA_TAILROOM"], a["IFLA_NETNS_IMMUTABLE"]) == (0, 0, 0)
    assert a["IFLA_GSO_IPV4_MAX_SIZE"] == a["IFLA_GSO_MAX_SIZE"]


def test_protinfo_is_the_bridge_port_in_af_bridge_and_inet6_in_af_inet6_messages():
    """br_fill_ifinfo nests IFLA_BRPORT_* in IFLA_PROTINFO; inet6_fill_ifinfo nests IFLA_INET6_*."""
    (port,) = [d for d in decoded("links_bridge") if d["attrs"]["IFLA_IFNAME"] == "vb"]
    assert port["attrs"]["IFLA_PROTINFO"]["IFLA_BRPORT_STATE"] == 3
    (v6,) = [d for d in decoded("links_inet6") if d["attrs"]["IFLA_IFNAME"] == "va"]
    assert "IFLA_INET6_FLAGS" in v6["attrs"]["IFLA_PROTINFO"]


def test_fdb_port_is_big_endian():
    """vxlan_fdb_info: NDA_PORT with nla_put_be16 (4791), only when it differs from the device's port."""
    ports = {d["attrs"]["NDA_DST"]: d["attrs"].get("NDA_PORT") for d in decoded("fdb") if "NDA_DST" in d["attrs"]}
    assert ports == {"10.9.0.2": 4791, "10.9.0.3": None}


def test_route_metrics_are_typed():
    """rtnetlink_put_metrics: RTAX_* u32 (rto_min in ms, RTAX_LOCK a bit mask)."""
    (m,) = [d["attrs"]["RTA_METRICS"] for d in decoded("routes") if "RTA_METRICS" in d["attrs"]]
    assert (m["RTAX_MTU"], m["RTAX_ADVMSS"], m["RTAX_RTO_MIN"]) == (1400, 1300, 20)


def test_multicast_replies_decode_as_ifaddrmsg_and_ifa_attributes():
    """inet6_fill_ifmcaddr: RTM_GETMULTICAST (58) replies carry an ifaddrmsg and IFA_MULTICAST + IFA_CACHEINFO."""
    ds = decoded("multicast")
    assert ds and all(d["object"] == "multicast" for d in ds)
    assert {"ff02::1"} <= {d["attrs"].get("IFA_MULTICAST") for d in ds}


@pytest.mark.parametrize("name", ["RTA_SPORT", "RTA_DPORT"])
def test_route_ports_read_big_endian(name):
    """rtm_to_fib_config / ip6_route_input: nla_get_be16 — `ip route get ... sport 1234` sends 04 d2."""
    assert values.value(name, bytes.fromhex("04d2")) == 1234
    msg = A.be16(getattr(C, name), 80)
    assert R.attrs_dict(A.Attrs(msg, 0, len(msg)), "RTA_UNSPEC") == {name: 80}


def test_rta_expires_is_u32_in_requests_and_u64_from_mroute_dumps():
    """rtm_to_fib6_config reads a u32 (nla_get_u32); ipmr_fill_mroute puts a u64 (nla_put_u64_64bit)."""
    assert values.value("RTA_EXPIRES", struct.pack("=I", 300)) == 300
    assert values.value("RTA_EXPIRES", struct.pack("=Q", 1 << 40)) == 1 << 40
    assert values.value("RTA_EXPIRES", b"\1\2") == b"\1\2"  # neither size: bytes, never a guess


def test_af_bridge_af_spec_holds_the_bridge_space_directly():
    """br_fill_ifinfo: IFLA_AF_SPEC of AF_BRIDGE messages holds IFLA_BRIDGE_* (flags u16, vlan_info struct) directly."""
    spec = A.nest(C.IFLA_AF_SPEC, A.u16(C.IFLA_BRIDGE_FLAGS, 1),
                  A.attr(C.IFLA_BRIDGE_VLAN_INFO, struct.pack("=HH", 6, 10)))
    assert decode_bytes(spec, "link", family=C.AF_BRIDGE) == {
        "IFLA_AF_SPEC": {"IFLA_BRIDGE_FLAGS": 1, "IFLA_BRIDGE_VLAN_INFO": {"flags": 6, "vid": 10}}}
    per_family = A.nest(C.IFLA_AF_SPEC, A.nest(C.AF_INET6, A.u8(C.IFLA_INET6_ADDR_GEN_MODE, 1)))
    assert decode_bytes(per_family, "link", family=C.AF_UNSPEC) == {
        "IFLA_AF_SPEC": {"AF_INET6": {"IFLA_INET6_ADDR_GEN_MODE": 1}}}


def test_short_and_oversized_values_stay_bytes():
    """A value whose length does not fit its type is shown as sent, never read as a guess."""
    msg = A.attr(C.IFLA_MTU, b"\1\2") + A.attr(C.IFLA_OPERSTATE, b"\6\0\0\0") + A.attr(C.IFLA_STATS64, b"\0" * 16)
    assert decode_bytes(msg, "link") == {"IFLA_MTU": b"\1\2", "IFLA_OPERSTATE": b"\6\0\0\0",
                                         "IFLA_STATS64": b"\0" * 16}


def test_unknown_numbers_stay_bytes_under_the_spaces_prefix():
    msg = A.attr(999, b"\1\2\3")
    assert decode_bytes(msg, "link") == {"IFLA_999": b"\1\2\3"}


def test_the_tree_marks_names_the_headers_lack():
    """codec.tree: 'source' is 'table' for IFLA_HEADROOM (68) on 6.1 headers; the text says so."""
    d = describe_buffer(blob("links"))[1]
    (e,) = [e for e in d["attrs"] if e["type"] == 68]
    assert (e["name"], e["known"], e["source"], e["value"]) == ("IFLA_HEADROOM", True, "table", 0)
    (mtu,) = [e for e in d["attrs"] if e["name"] == "IFLA_MTU"]
    assert mtu["source"] == "headers"
    assert "IFLA_HEADROOM (68) [not in the headers]: 0" in message_text(d)


def test_every_attribute_of_the_rich_namespace_is_typed_but_the_named_binary_ones():
    """Over all captures: raw values only where the table says bytes by design (bridge ids, vxlan reserved bits)."""
    raw: set[str] = set()
    for name in ("links", "links_bridge", "links_inet6", "addrs", "routes", "neigh", "fdb", "neightbl", "multicast"):
        stack = [e for d in describe_buffer(blob(name)) for e in d.get("attrs", [])]
        while stack:
            e = stack.pop()
            stack += e.get("attrs", []) + [c for h in e.get("nexthops", []) for c in h["attrs"]]
            assert e["known"], e
            if isinstance(e.get("value"), dict) and "hex" in e["value"]:
                raw.add(e["name"])
    assert raw <= {"IFLA_BR_ROOT_ID", "IFLA_BR_BRIDGE_ID", "IFLA_BRPORT_ROOT_ID", "IFLA_BRPORT_BRIDGE_ID",
                   "IFLA_VXLAN_RESERVED_BITS"}


def test_link_header_layout_is_unchanged():
    assert decoded("links")[0]["header"]["ifi_index"] == 1 and L.IFINFOMSG.size == 16


def _first_attrs(path: str, header: int, space: str) -> list[dict]:
    with open(path, "rb") as f:
        return [decode_bytes(bytes(m.payload)[header:], space) for m in parse(f.read())]


def test_mdb_entry_info_is_a_struct_followed_by_its_attributes():
    """br_mdb_fill_info: nla_put_nohdr(struct br_mdb_entry), then MDBA_MDB_EATTR_* in the same nest."""
    path = os.path.join(os.path.dirname(DATA), "schema_mdb.bin")
    mdb = _first_attrs(path, 8, "mdb")[0]["MDBA_MDB"]["MDBA_MDB_ENTRY"]
    info = mdb[0]["MDBA_MDB_ENTRY_INFO"] if isinstance(mdb, list) else mdb["MDBA_MDB_ENTRY_INFO"]
    info = info[0] if isinstance(info, list) else info
    assert info["addr.proto"] in (0x0800, 0x86DD, 0) and "MDBA_MDB_EATTR_TIMER" in info["attrs"]


def test_genl_policy_nests_by_policy_index_then_attribute_type():
    """ctrl_dumppolicy -> netlink_policy_dump_write: CTRL_ATTR_POLICY / <policy idx> / <attr type> / NL_POLICY_TYPE_ATTR_*."""
    path = os.path.join(os.path.dirname(DATA), "schema_genl-ctrl.bin")
    policies = [d["CTRL_ATTR_POLICY"] for d in _first_attrs(path, 4, "genl-ctrl") if "CTRL_ATTR_POLICY" in d]
    assert policies
    for p in policies:
        for idx, attrs in p.items():
            assert idx.isdigit() and all(t.isdigit() and "NL_POLICY_TYPE_ATTR_TYPE" in v for t, v in attrs.items())
