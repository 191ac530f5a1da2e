"""The attribute-space tables (codec.schema): loaded, consistent with the build headers, one source of truth.

No kernel needed: the tables are data, checked against the headers the
package was built with and against each other.
"""
from __future__ import annotations

import pytest

from netlink_probe import constants as C
from netlink_probe.codec import schema as S
from netlink_probe.codec import spaces, values
from netlink_probe.codec.schema.decode import resolve
from netlink_probe.codec.schema.model import SCALAR_TYPES


def test_every_table_module_loads():
    assert S.LOAD_ERRORS == {}


@pytest.mark.parametrize("name", sorted(S.SPACES))
def test_a_table_names_numbers_as_the_headers_do(name):
    """Where the build headers name a number of the space, the table's name is the same."""
    sp = S.SPACES[name]
    if not sp.header_enum or sp.header_enum not in C.ENUMS:
        pytest.skip(f"{name}: the build headers have no enum for it")
    headers = C.enum_names(sp.header_enum)
    assert {f.num: f.name for f in sp.fields if f.num in headers} == \
        {f.num: headers[f.num] for f in sp.fields if f.num in headers}


@pytest.mark.parametrize("name", sorted(S.SPACES))
def test_every_reference_to_another_space_resolves(name):
    """nest / nest-array spaces, submsg and af-nest targets all exist; scalar elements and struct fields are scalars."""
    for f in S.SPACES[name].fields:
        for target in ([f.space] if f.space else []) + list(f.spaces.values()):
            assert target in S.SPACES, (f.name, target)
        if f.type == "array":  # of scalars, or of one struct described by fields
            assert f.elem in SCALAR_TYPES or (f.elem == "struct" and f.fields), f.name
        if f.type == "struct":  # a layout, or scalars with at most a last field of another leaf type
            assert f.layout is not None or all(t in SCALAR_TYPES for _, t in f.fields[:-1]), f.name
            assert f.layout is not None or f.fields[-1][1] in SCALAR_TYPES + ("ip", "mac", "string", "binary")
        assert f.num >= 0 and len({g.num for g in S.SPACES[name].fields}) == len(S.SPACES[name].fields)


def test_each_rtnetlink_object_has_a_root_space():
    for obj in ("link", "addr", "route", "neigh", "neightbl", "nsid", "rule", "multicast", "anycast"):
        assert S.root_space(obj) is not None, obj
    assert S.root_space("multicast") is S.space("addr")


def test_a_space_is_found_by_its_table_name_and_by_its_header_enum():
    assert S.space("link") is S.space("IFLA_UNSPEC") is resolve("IFLA_UNSPEC")
    assert S.space("nope") is None and resolve(None) is None
    ctrl_only = resolve("IFLA_HSR_UNSPEC")  # headers know it, no table: names only
    assert ctrl_only is not None and ctrl_only.fields == ()


def test_the_kind_map_and_the_nest_maps_are_derived_from_the_tables():
    """codec.values.KIND and codec.spaces' maps are computed, not written: they follow the tables."""
    assert values.KIND["IFLA_MTU"] == "u32" and values.KIND["IFLA_IFNAME"] == "str"
    assert values.KIND["IFLA_LINKINFO"] == "nest" and values.KIND["IFLA_AF_SPEC"] == "nest"
    assert values.KIND["IFLA_HEADROOM"] == "u16"  # newer than the 6.1 headers
    assert spaces.NESTED["IFLA_LINKINFO"] == "IFLA_INFO_UNSPEC"
    assert spaces.KIND_DATA["vxlan"] == "IFLA_VXLAN_UNSPEC" and spaces.KIND_DATA["gre"] == "gre-info"
    assert spaces.SLAVE_DATA["bridge"] == "IFLA_BRPORT_UNSPEC"
    assert spaces.AF_SPEC == {C.AF_INET: "IFLA_INET_UNSPEC", C.AF_INET6: "IFLA_INET6_UNSPEC"}
    assert spaces.kind_space("IFLA_INFO_DATA", "bridge", None) == "IFLA_BR_UNSPEC"


@pytest.mark.parametrize("name,kind", [("RTA_SPORT", "be16"), ("RTA_DPORT", "be16"), ("NDA_PORT", "be16"),
                                       ("IFLA_VXLAN_PORT", "be16"), ("IFLA_VXLAN_LABEL", "be32"),
                                       ("IFLA_GENEVE_PORT", "be16"), ("IFLA_BR_VLAN_PROTOCOL", "be16"),
                                       ("IFLA_VLAN_PROTOCOL", "be16")])
def test_network_byte_order_attributes_are_big_endian_in_the_tables(name, kind):
    """nla_put_be16/be32 / nla_get_be16 in the kernel source (route.c, vxlan_core.c, geneve.c, br_netlink.c)."""
    assert values.KIND[name] == kind


def test_names_beyond_the_headers_come_from_the_tables():
    names = spaces.all_names("IFLA_UNSPEC")
    assert names[68] == "IFLA_HEADROOM" and names[69] == "IFLA_TAILROOM" and names[67] == "IFLA_NETNS_IMMUTABLE"
    assert spaces.all_names("IFLA_BRPORT_UNSPEC")[40] == "IFLA_BRPORT_MAB"
    assert spaces.all_names("IFLA_BR_UNSPEC")[48] == "IFLA_BR_FDB_N_LEARNED"
    assert spaces.all_names("gre-info")[2] == "IFLA_GRE_IFLAGS"  # if_tunnel.h is not among the build headers
    # space_names stays the headers' own (what the pyroute2 oracle compares names against)
    assert 68 not in spaces.space_names("IFLA_UNSPEC") and spaces.space_names("gre-info") == {}
