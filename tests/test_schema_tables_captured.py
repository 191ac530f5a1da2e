"""The non-link attribute tables (codec/schema: addr, route, neigh, ...) against captured kernel bytes.

tests/data/schema_<object>.bin hold a 6.18 kernel's dumps of a rich namespace
(conformance/support/schema_capture.py wrote them); every attribute in them
must have a table entry whose type fits its length (schema.fit).  The
bridge-VLAN bytes are built here: the capturing kernel had no VLAN filtering.
"""
from __future__ import annotations

import os
import struct
from types import ModuleType

import pytest

from netlink_probe.codec import attribute as A
from netlink_probe.codec import message as M
from netlink_probe.codec.schema import addr, bridge, fit, genl, lwtunnel, neigh, neightbl, netconf, nexthop, nsid
from netlink_probe.codec.schema import route, rule
from netlink_probe.codec.schema.model import TYPES, Field, Space

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
TABLES: tuple[ModuleType, ...] = (addr, bridge, genl, lwtunnel, neigh, neightbl, netconf, nexthop, nsid, route, rule)
# object -> (fixed header length, root space), as conformance/support/schema_capture.OBJECTS
OBJECTS = {"addr": (8, "addr"), "multicast": (8, "addr"), "anycast": (8, "addr"), "route": (12, "route"),
           "neigh": (12, "neigh"), "neightbl": (4, "neightbl"), "rule": (12, "rule"), "nexthop": (8, "nexthop"),
           "nsid": (4, "nsid"), "netconf": (4, "netconf"), "mdb": (8, "mdb"), "genl-ctrl": (4, "genl-ctrl")}
# spaces of other modules these tables name (the link tables' BRIDGE_QUERIER_* nest)
FOREIGN = {"bridge-querier-state"}


def spaces() -> dict[str, Space]:
    """This test's own lookup: the spaces of the tables above, by name."""
    return {s.name: s for m in TABLES for s in m.SPACES}


def captured(obj: str) -> list[M.Message]:
    with open(os.path.join(DATA, f"schema_{obj}.bin"), "rb") as f:
        return [m for m in M.parse(f.read()) if m.type >= 16]


def check_messages(obj: str, msgs: list[M.Message]) -> fit.Report:
    hlen, root = OBJECTS[obj]
    report = fit.Report()
    for m in msgs:
        report.merge(fit.check(m.buf, root, spaces(), start=m.payload_offset + hlen, end=m.end))
    return report


@pytest.mark.parametrize("obj", sorted(OBJECTS))
def test_every_captured_attribute_has_a_fitting_entry(obj: str) -> None:
    report = check_messages(obj, captured(obj))
    assert report.checked > 0
    assert not report.misfits, report.misfits[:10]


def test_tables_are_well_formed() -> None:
    """Unique names and numbers per space, every referenced space defined, every source cited."""
    sp = spaces()
    assert len(sp) == sum(len(m.SPACES) for m in TABLES), "a space name defined twice"
    for s in sp.values():
        assert len({f.num for f in s.fields}) == len(s.fields), s.name
        assert len({f.name for f in s.fields}) == len(s.fields), s.name
        for f in s.fields:
            assert f.type in TYPES and f.source, (s.name, f.name)
            for ref in ([f.space] if f.space else []) + list(f.spaces.values()):
                assert ref in sp or ref in FOREIGN, (s.name, f.name, ref)
            if f.type == "struct":
                assert fit.struct_size(f), (s.name, f.name)


def test_header_names_agree_with_the_tables() -> None:
    """Where the build headers name a number, the table uses the same name."""
    from netlink_probe import constants as C
    for s in spaces().values():
        if s.header_enum:
            names = C.enum_names(s.header_enum)
            for f in s.fields:
                assert names.get(f.num, f.name) == f.name, (s.name, f.num, names.get(f.num), f.name)


def test_route_get_request_ports_are_big_endian_on_the_wire() -> None:
    """RTA_SPORT/RTA_DPORT: nla_get_be16 (net/ipv4/route.c inet_rtm_getroute); the capture sent 1234 and 80."""
    req = [m for m in captured("route") if m.type == 26 and m.flags & 1]
    assert req
    attrs = {a.type: bytes(a.value) for a in m_attrs(req[0], 12)}
    by_name = {f.name: f for f in route.ROUTE.fields}
    for name, want in (("RTA_SPORT", 1234), ("RTA_DPORT", 80)):
        f = by_name[name]
        assert f.type == "be16"
        assert struct.unpack(">H", attrs[f.num])[0] == want


def test_ipv6_route_request_carries_a_four_byte_expires() -> None:
    """RTA_EXPIRES: u32 in requests (rtm_to_fib6_config nla_get_u32), 'uint' in the table."""
    req = [m for m in captured("route") if m.type == 24 and m.flags & 1]
    assert req
    expires = [a for a in m_attrs(req[0], 12) if a.type == 23]
    assert len(expires[0].value) == 4 and fit.leaf_misfit(route.ROUTE.by_num()[23], 4) is None


def test_vxlan_fdb_port_is_big_endian() -> None:
    """NDA_PORT: nla_put_be16 (drivers/net/vxlan/vxlan_core.c); the capture set port 4790."""
    ports = [bytes(a.value) for m in captured("neigh") for a in m_attrs(m, 12) if a.type == 6]
    assert neigh.NEIGH.by_num()[6].type == "be16"
    assert (4790).to_bytes(2, "big") in ports


def m_attrs(m: M.Message, hlen: int) -> A.Attrs:
    return m.attrs(hlen)


def vlan_entry() -> bytes:
    """A BRIDGE_VLANDB_ENTRY as br_vlan_fill_vids puts it: INFO, RANGE, STATE, STATS, MCAST_ROUTER."""
    stats = A.nest(5, *(A.u64(i, 10 * i) for i in range(1, 5)))
    return A.nest(1, A.attr(1, struct.pack("=HH", 0, 20)), A.u16(2, 25), A.u8(3, 3), stats, A.u8(6, 1))


def test_bridge_vlan_entry_fits() -> None:
    report = fit.check(vlan_entry(), "bridge-vlan", spaces())
    assert report.checked == 10 and not report.misfits


def test_misfits_are_named() -> None:
    """A u32 of 2 bytes, an unknown number, a short struct, a 5-byte address: each one misfit with a path."""
    data = A.attr(6, b"\1\2") + A.u32(99, 1) + A.attr(12, b"\0" * 8) + A.attr(1, b"\1" * 5)
    report = fit.check(data, "route", spaces())
    assert report.checked == 4 and len(report.misfits) == 4
    assert any(m.startswith("route/RTA_PRIORITY: 2 bytes") for m in report.misfits)
    assert any("RTA_99: no table entry" in m for m in report.misfits)


def test_struct_followed_by_attributes() -> None:
    """MDBA_ROUTER_PORT: the u32 ifindex (nla_put_nohdr), then MDBA_ROUTER_PATTR_* (br_rports_fill_info)."""
    port = A.attr(1, struct.pack("=I", 7) + A.u32(1, 100) + A.u8(2, 2))
    ok = fit.check(A.nest(2, port), "mdb", spaces())
    assert ok.checked == 4 and not ok.misfits
    bad = fit.check(A.nest(2, A.attr(1, struct.pack("=I", 7) + A.u16(1, 1))), "mdb", spaces())
    assert bad.misfits == ["mdb/MDBA_ROUTER/MDBA_ROUTER_PORT/MDBA_ROUTER_PATTR_TIMER: 2 bytes for a u32"]


def test_array_of_structs_and_trailing_address() -> None:
    """NHA_GROUP: n x struct nexthop_grp (8 bytes); RTA_VIA: family + 4 or 16 address bytes."""
    sp = spaces()
    assert not fit.check(A.attr(2, bytes(16)), "nexthop", sp).misfits
    assert fit.check(A.attr(2, bytes(12)), "nexthop", sp).misfits
    assert not fit.check(A.attr(18, bytes(18)), "route", sp).misfits
    assert fit.check(A.attr(18, bytes(10)), "route", sp).misfits


def test_malformed_attributes_are_one_misfit_not_an_exception() -> None:
    report = fit.check(b"\x08\x00\x01\x00\x01", "route", spaces())
    assert len(report.misfits) == 1 and "malformed" in report.misfits[0]


def test_encap_submsg_picks_its_space_by_the_encap_type() -> None:
    """RTA_ENCAP by RTA_ENCAP_TYPE (lwtunnel_fill_encap): LWTUNNEL_ENCAP_IP -> LWTUNNEL_IP_*."""
    ip_encap = A.nest(22, A.attr(1, (7).to_bytes(8, "big")), A.attr(2, bytes(4)), A.u8(4, 5))
    assert not fit.check(A.u16(21, 2) + ip_encap, "route", spaces()).misfits
    unknown = fit.check(A.u16(21, 3) + ip_encap, "route", spaces())  # ILA: named only, no space
    assert unknown.misfits == ["route/RTA_ENCAP: no space for RTA_ENCAP_TYPE='3'"]


def test_field_type_must_be_known() -> None:
    with pytest.raises(ValueError):
        Field(1, "X", "u24")
