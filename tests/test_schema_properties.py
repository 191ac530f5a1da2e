"""Hypothesis properties of the generic decoder (codec.schema.decode) and the tree over it.

Total: for every space the tables define, any bytes — and any well-formed
run of attributes with arbitrary types, flags and values, nested at random —
decode to values or raise DecodeError, never another exception; the dict
form (`decode_attrs`) and the tree (`attrs_tree`) agree on which inputs are
malformed.  NP_FUZZ_EXAMPLES raises the number of examples.
"""
from __future__ import annotations

import os
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netlink_probe import DecodeError
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import schema as S
from netlink_probe.codec.schema.decode import decode_bytes
from netlink_probe.codec.tree import attrs_tree

EXAMPLES = int(os.environ.get("NP_FUZZ_EXAMPLES", "100"))
PROPS = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
SPACE_NAMES = sorted(S.SPACES) + ["IFLA_HSR_UNSPEC", None]  # every table, a names-only space, no space
FAMILIES = st.sampled_from([C.AF_UNSPEC, C.AF_INET, C.AF_INET6, C.AF_BRIDGE, 255])


def _both(data: bytes, space: str | None, family: int) -> None:
    """Decode *data* as both forms; each gives values or DecodeError, and both agree on which."""
    outcomes = []
    for decode in (lambda: decode_bytes(data, space, family=family),
                   lambda: attrs_tree(A.Attrs(data, 0, len(data)), space, family=family)):
        try:
            decode()
            outcomes.append("ok")
        except DecodeError as e:
            assert 0 <= e.offset <= len(data)
            outcomes.append("DecodeError")
    assert outcomes[0] == outcomes[1], outcomes


@st.composite
def attrs_run(draw, depth: int = 0) -> bytes:
    """A well-formed run of attributes: small type numbers (the tables' range), leaf values of every
    plausible size, and nests (NLA_F_NESTED set, as the kernel's nla_nest_start does) holding further runs."""
    out = b""
    for _ in range(draw(st.integers(0, 4))):
        t = draw(st.integers(0, 70))
        nested = depth < 4 and draw(st.booleans())
        if nested:
            value = draw(attrs_run(depth + 1))
        else:
            value = draw(st.one_of(st.binary(max_size=40),
                                   st.sampled_from([b"", b"\0", b"ab\0", b"\1\2", b"\0" * 4, b"\xff" * 8,
                                                    b"\0" * 16, b"veth\0", b"bridge\0", b"vxlan\0"])))
        out += A.attr(t, value, nested=nested, net_byteorder=draw(st.booleans()))
    return out


@PROPS
@given(st.binary(max_size=512), st.sampled_from(SPACE_NAMES), FAMILIES)
def test_any_bytes_in_any_space_are_values_or_a_decode_error(data, space, family):
    _both(data, space, family)


@PROPS
@given(attrs_run(), st.sampled_from(SPACE_NAMES), FAMILIES)
def test_any_well_formed_run_in_any_space_decodes(data, space, family):
    """Well-formed TLVs at every level: values, or a DecodeError where a value the table calls a nest holds
    no attributes (a malformed nest is an error, as for hostile input), the same on both paths."""
    _both(data, space, family)


@PROPS
@given(st.sampled_from(["veth", "bridge", "vxlan", "macvlan", "bond", "vlan", "gre", "sit", "geneve", "tun", "x"]),
       attrs_run(), attrs_run())
def test_any_linkinfo_data_of_any_kind_decodes(kind, data, slave):
    """IFLA_INFO_DATA / IFLA_INFO_SLAVE_DATA chosen by the kind: any inner run is values (the kind read)
    or a DecodeError where the kind's table calls a value a nest that holds no attributes."""
    li = A.nest(C.IFLA_LINKINFO, A.string(C.IFLA_INFO_KIND, kind), A.attr(C.IFLA_INFO_DATA, data, nested=True),
                A.string(C.IFLA_INFO_SLAVE_KIND, kind), A.attr(C.IFLA_INFO_SLAVE_DATA, slave, nested=True))
    _both(li, "link", C.AF_UNSPEC)
    try:
        d = decode_bytes(li, "link")
    except DecodeError:
        return
    assert d["IFLA_LINKINFO"]["IFLA_INFO_KIND"] == kind


@PROPS
@given(st.integers(0, 0xFFFF), st.sampled_from(["RTA_SPORT", "RTA_DPORT", "NDA_PORT", "IFLA_VXLAN_PORT"]))
def test_ports_round_trip_big_endian(port, name):
    """What A.be16 puts (network order, as the kernel's nla_put_be16) the decoder reads back."""
    from netlink_probe.codec import values
    assert values.value(name, struct.pack(">H", port)) == port
