"""The codec on hand-built bytes: every malformation is one DecodeError with its offset.

The layouts follow include/uapi/linux/netlink.h (struct nlmsghdr, nlattr,
nlmsgerr; NLMSG_ALIGN / NLA_ALIGN to 4 bytes) and lib/nlattr.c / the kernel's
netlink_ack() for what well-formed messages look like.  No privileges needed.
"""
from __future__ import annotations

import struct

import pytest

from netlink_probe import DecodeError, codec
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.codec import rtnl as R

HDR = struct.Struct("=IHHII")


def raw_msg(length: int, mtype: int = C.RTM_NEWLINK, flags: int = 0, seq: int = 1, pid: int = 2,
            body: bytes = b"") -> bytes:
    return HDR.pack(length, mtype, flags, seq, pid) + body


def nla(alen: int, atype: int, body: bytes = b"") -> bytes:
    return struct.pack("=HH", alen, atype) + body


def link_msg(attrs: bytes, mtype: int = C.RTM_NEWLINK) -> bytes:
    return codec.encode(mtype, 0, L.IFINFOMSG.pack(ifi_index=7) + attrs, 5, 6)


def link_attrs(data: bytes) -> A.Attrs:
    (m,) = codec.parse(data)
    return m.attrs(L.IFINFOMSG.size)


ATTR_START = codec.HDRLEN + L.IFINFOMSG.size  # offset of the first attribute of link_msg()


# -- nlmsghdr -------------------------------------------------------------------------------
@pytest.mark.parametrize("length", [0, 1, 15])
def test_nlmsg_len_below_the_header_is_a_decode_error_at_its_offset(length):
    """NLMSG_OK: nlmsg_len < sizeof(struct nlmsghdr) is malformed (and would not advance the walk)."""
    good = codec.encode(C.RTM_NEWLINK, 0, b"abcd", 1, 2)
    with pytest.raises(DecodeError) as e:
        codec.parse(good + raw_msg(length))
    assert e.value.offset == len(good)
    assert "below" in e.value.reason


def test_nlmsg_len_past_the_buffer_is_a_decode_error():
    """NLMSG_OK: nlmsg_len larger than what is left of the buffer is malformed."""
    with pytest.raises(DecodeError) as e:
        codec.parse(raw_msg(64, body=b"\0" * 8))
    assert e.value.offset == 0 and "past the end" in e.value.reason


def test_fewer_bytes_than_a_header_left_is_a_decode_error():
    """NLMSG_OK: a remainder shorter than struct nlmsghdr cannot be a message."""
    good = codec.encode(C.NLMSG_NOOP, 0)
    with pytest.raises(DecodeError) as e:
        codec.parse(good + b"\x10\0\0\0\0\0")
    assert e.value.offset == len(good)


def test_unpadded_last_message_is_accepted_but_cut_padding_between_messages_is_not():
    """NLMSG_NEXT steps NLMSG_ALIGN(nlmsg_len): only the buffer's last message may lack its padding."""
    odd = raw_msg(17, body=b"x")
    (m,) = codec.parse(odd)
    assert m.length == 17 and bytes(m.payload) == b"x"
    with pytest.raises(DecodeError) as e:
        codec.parse(odd + b"\0\0")  # two of the three padding bytes
    assert e.value.offset == 17 and "misaligned" in e.value.reason
    padded = odd + b"\0\0\0" + codec.encode(C.NLMSG_NOOP, 0)
    assert [x.type for x in codec.parse(padded)] == [C.RTM_NEWLINK, C.NLMSG_NOOP]


def test_parse_range_outside_the_buffer_is_a_decode_error():
    """codec.parse(buf, base, end): a range past the buffer is refused, not read as garbage."""
    buf = codec.encode(C.NLMSG_NOOP, 0)
    with pytest.raises(DecodeError):
        codec.parse(buf, 0, len(buf) + 4)
    with pytest.raises(DecodeError):
        codec.parse(buf, -1)
    assert codec.parse(buf, len(buf)) == []


def test_messages_inside_a_memoryview_slice_keep_their_offsets():
    """netlink_recvmsg hands out one datagram; a codec view of part of a larger buffer indexes the right bytes."""
    inner = link_msg(A.string(C.IFLA_IFNAME, "np0") + A.nest(C.IFLA_LINKINFO, A.string(C.IFLA_INFO_KIND, "veth")))
    big = memoryview(b"\xff" * 8 + inner + b"\xff" * 8)[8:8 + len(inner)]
    (m,) = codec.parse(big)
    a = m.attrs(L.IFINFOMSG.size)
    assert a.str(C.IFLA_IFNAME) == "np0"
    (info,) = [x for x in a if x.type == C.IFLA_LINKINFO]
    assert info.nested().str(C.IFLA_INFO_KIND) == "veth"
    assert a.nested(C.IFLA_LINKINFO).str(C.IFLA_INFO_KIND) == "veth"


def test_header_fields_are_read_as_sent():
    """struct nlmsghdr: len, type, flags, seq, pid in host order; the payload is the rest."""
    data = codec.encode(0x1234, 0xABCD, b"payload", 0xDEADBEEF, 0xFEEDF00D)
    (m,) = codec.parse(data)
    assert (m.length, m.type, m.flags, m.seq, m.pid) == (16 + 7, 0x1234, 0xABCD, 0xDEADBEEF, 0xFEEDF00D)
    assert bytes(m.payload) == b"payload" and m.raw() == data[:23]
    assert len(data) == 24  # padded to NLMSG_ALIGNTO


# -- nlattr -----------------------------------------------------------------------------------
@pytest.mark.parametrize("alen", [0, 1, 2, 3])
def test_nla_len_below_the_attribute_header_is_a_decode_error(alen):
    """nla_ok: nla_len < sizeof(struct nlattr) is malformed; 0 would loop forever if accepted."""
    data = link_msg(A.u32(C.IFLA_MTU, 1500) + nla(alen, C.IFLA_IFNAME) + b"\0" * 4)
    with pytest.raises(DecodeError) as e:
        link_attrs(data).u32(C.IFLA_MTU)
    assert e.value.offset == ATTR_START + 8


def test_nla_len_past_the_message_is_a_decode_error():
    """nla_ok: an attribute running past the end of its message is malformed."""
    data = link_msg(nla(40, C.IFLA_IFNAME, b"abcd"))
    with pytest.raises(DecodeError) as e:
        len(link_attrs(data))
    assert e.value.offset == ATTR_START and "past its parent" in e.value.reason


def test_nested_attribute_past_its_parent_is_a_decode_error_even_inside_the_message():
    """nla_ok on a nest: a child must end inside the nest, not merely inside the message."""
    child = nla(12, C.IFLA_INFO_KIND, b"veth")  # claims 12 bytes, the nest gives it 8
    data = link_msg(nla(4 + 8, C.IFLA_LINKINFO, child[:8]) + A.string(C.IFLA_IFNAME, "padding-after"))
    a = link_attrs(data)
    assert a.str(C.IFLA_IFNAME) == "padding-after"
    with pytest.raises(DecodeError) as e:
        a.nested(C.IFLA_LINKINFO).str(C.IFLA_INFO_KIND)
    assert e.value.offset == ATTR_START + 4
    with pytest.raises(DecodeError):
        R.decode(codec.parse(data)[0])


def test_trailing_bytes_after_the_last_attribute_must_be_padding():
    """nla_for_each_attr leaves < 4 bytes over; zero padding is fine, anything else is garbage."""
    body = L.IFINFOMSG.pack() + A.u32(C.IFLA_MTU, 9000)
    ok = codec.parse(raw_msg(16 + len(body) + 2, body=body + b"\0\0"))[0]
    assert ok.attrs(L.IFINFOMSG.size).u32(C.IFLA_MTU) == 9000
    bad = codec.parse(raw_msg(16 + len(body) + 2, body=body + b"\1\0"))[0]
    with pytest.raises(DecodeError) as e:
        bad.attrs(L.IFINFOMSG.size).u32(C.IFLA_MTU)
    assert e.value.offset == 16 + len(body)


def test_fixed_header_longer_than_the_payload_is_a_decode_error():
    """nlmsg_parse: a payload shorter than the family header (here ifinfomsg) is malformed."""
    (m,) = codec.parse(codec.encode(C.RTM_NEWLINK, 0, b"\0" * 8))
    for call in (lambda: m.attrs(L.IFINFOMSG.size), lambda: m.header(L.IFINFOMSG), lambda: R.decode(m)):
        with pytest.raises(DecodeError) as e:
            call()
        assert e.value.offset == codec.HDRLEN


def test_family_header_exactly_filling_the_payload_has_no_attributes():
    """nlmsg_attrdata: with no bytes after the family header the attribute set is empty."""
    (m,) = codec.parse(codec.encode(C.RTM_NEWLINK, 0, L.IFINFOMSG.pack()))
    assert len(m.attrs(L.IFINFOMSG.size)) == 0
    (g,) = codec.parse(codec.encode(C.RTM_NEWNSID, 0, L.RTGENMSG.pack()))  # 1-byte header, unpadded
    assert len(g.attrs(L.RTGENMSG.size)) == 0


def test_nested_and_net_byteorder_flags_are_kept_and_masked_for_lookup():
    """NLA_TYPE_MASK: the type number is nla_type without NLA_F_NESTED / NLA_F_NET_BYTEORDER."""
    data = link_msg(A.attr(C.IFLA_LINKINFO, A.string(C.IFLA_INFO_KIND, "x"), nested=True)
                    + A.attr(C.IFLA_GROUP, (7).to_bytes(4, "big"), net_byteorder=True))
    a = link_attrs(data)
    assert a.types() == [C.IFLA_LINKINFO, C.IFLA_GROUP]
    info, group = list(a)
    assert (info.nested_flag, info.net_byteorder, info.flags) == (True, False, C.NLA_F_NESTED)
    assert (group.nested_flag, group.net_byteorder) == (False, True)
    assert info.type_word == C.IFLA_LINKINFO | C.NLA_F_NESTED
    assert a.be32(C.IFLA_GROUP) == 7 and C.IFLA_GROUP in a
    assert a.nested(C.IFLA_LINKINFO).str(C.IFLA_INFO_KIND) == "x"


def test_repeated_attribute_types_keep_every_value_in_order():
    """nla_for_each_attr: a type may repeat (e.g. IFLA_ALT_IFNAME); lookups give the first, get_all every one."""
    data = link_msg(A.string(C.IFLA_ALT_IFNAME, "one") + A.u32(C.IFLA_MTU, 1) + A.string(C.IFLA_ALT_IFNAME, "two"))
    a = link_attrs(data)
    assert a.str(C.IFLA_ALT_IFNAME) == "one"
    assert [bytes(v) for v in a.get_all(C.IFLA_ALT_IFNAME)] == [b"one\0", b"two\0"]
    assert a.types() == [C.IFLA_ALT_IFNAME, C.IFLA_MTU, C.IFLA_ALT_IFNAME]
    assert R.decode(codec.parse(data)[0])["attrs"]["IFLA_ALT_IFNAME"] == ["one", "two"]


def test_unknown_attribute_types_are_kept_as_raw_bytes_with_their_number():
    """A kernel newer than the headers and the tables sends types neither names: kept, numbered, never dropped."""
    from netlink_probe.codec.spaces import all_names
    top = max(all_names("IFLA_UNSPEC")) + 5
    data = link_msg(A.attr(top, b"\x01\x02\x03") + A.u32(C.IFLA_MTU, 1500))
    a = link_attrs(data)
    assert a.bytes(top) == b"\x01\x02\x03" and a.types() == [top, C.IFLA_MTU]
    assert R.decode(codec.parse(data)[0])["attrs"] == {f"IFLA_{top}": b"\x01\x02\x03", "IFLA_MTU": 1500}


def test_scalar_accessors_read_their_width_and_refuse_short_values():
    """nla_get_u8..u64 / be16 / be32: a value shorter than its type is malformed, longer is read from the start."""
    data = link_msg(A.attr(1, b"\xfe") + A.attr(2, b"\x34\x12") + A.attr(3, struct.pack("=I", 0xFFFFFFFF))
                    + A.attr(4, struct.pack("=Q", 2**64 - 1)) + A.attr(5, b"\x12\x34") + A.attr(6, b"\x01\x02\x03\x04")
                    + A.attr(7, b"\x01\x02\x03\x04\x05\x06\x07\x08") + A.attr(8, b"\x01"))
    a = link_attrs(data)
    assert (a.u8(1), a.u16(2), a.u32(3), a.s32(3), a.u64(4), a.s64(4)) == (0xFE, 0x1234, 0xFFFFFFFF, -1, 2**64 - 1, -1)
    assert (a.be16(5), a.be32(6), a.u32(7)) == (0x1234, 0x01020304, 0x04030201)
    for getter in (a.u16, a.u32, a.u64, a.s32, a.s64, a.be16, a.be32):
        with pytest.raises(DecodeError) as e:
            getter(8)
        assert e.value.offset == a.offset(8)
    assert a.u32(99) is None and a.u32(99, 5) == 5 and a.be16(99, 4) == 4


def test_string_attribute_stops_at_the_first_nul_and_tolerates_none():
    """nla_put_string sends a NUL; userspace-built strings may lack it or carry bytes after it."""
    a = link_attrs(link_msg(A.attr(1, b"abc\0junk") + A.attr(2, b"nonul") + A.attr(3, b"\xff\xfe\0")))
    assert (a.str(1), a.str(2)) == ("abc", "nonul")
    assert a.str(3) == "\ufffd\ufffd"


def test_flag_attribute_is_present_with_an_empty_value():
    """nla_put_flag: a zero-length attribute whose presence is the value."""
    a = link_attrs(link_msg(A.flag(C.IFLA_PROTO_DOWN)))
    assert a.flag(C.IFLA_PROTO_DOWN) and bytes(a.get(C.IFLA_PROTO_DOWN)) == b""
    assert not a.flag(C.IFLA_MTU)


def test_attribute_index_is_built_once_per_message():
    """Laziness: Message.attrs() returns the same index for the same family header length."""
    (m,) = codec.parse(link_msg(A.u32(C.IFLA_MTU, 1)))
    assert m.attrs(L.IFINFOMSG.size) is m.attrs(L.IFINFOMSG.size)
    assert m.attrs(0).start == codec.HDRLEN


def test_attribute_encoder_refuses_out_of_range_types_and_lengths():
    """struct nlattr: nla_type has 14 bits of type (NLA_TYPE_MASK), nla_len 16 bits of length."""
    assert A.NLA_TYPE_MASK == 0x3FFF == ~(C.NLA_F_NESTED | C.NLA_F_NET_BYTEORDER) & 0xFFFF
    with pytest.raises(ValueError):
        A.attr(-1)
    with pytest.raises(ValueError):
        A.attr(A.NLA_TYPE_MASK + 1)
    with pytest.raises(ValueError):
        A.attr(1, b"\0" * 0xFFFC)
    assert len(A.attr(1, b"\0" * 0xFFFB)) == 0xFFFF + 1


def test_multipath_nexthop_shorter_than_rtnexthop_is_a_decode_error():
    """rtnh_ok: rtnh_len below sizeof(struct rtnexthop), or past RTA_MULTIPATH, is malformed."""
    hop = L.RTNEXTHOP.pack(rtnh_len=4, rtnh_ifindex=1)
    (m,) = codec.parse(codec.encode(C.RTM_NEWROUTE, 0, L.RTMSG.pack() + A.attr(C.RTA_MULTIPATH, hop)))
    with pytest.raises(DecodeError):
        R.multipath(m.attrs(L.RTMSG.size))
    hop = L.RTNEXTHOP.pack(rtnh_len=40, rtnh_ifindex=1)
    (m,) = codec.parse(codec.encode(C.RTM_NEWROUTE, 0, L.RTMSG.pack() + A.attr(C.RTA_MULTIPATH, hop)))
    with pytest.raises(DecodeError):
        R.multipath(m.attrs(L.RTMSG.size))


# -- NLMSG_ERROR / NLMSG_DONE ---------------------------------------------------------------------
REQUEST = codec.encode(C.RTM_NEWLINK, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE,
                       L.IFINFOMSG.pack() + A.string(C.IFLA_IFNAME, "np-e0") + A.u16(C.IFLA_MTU, 5), 77, 88)


def error_msg(**kw) -> codec.Message:
    (m,) = codec.parse(codec.encode_error(REQUEST, **kw))
    return m


def test_uncapped_error_echoes_the_whole_request():
    """netlink_ack: without NETLINK_CAP_ACK an error carries the request's header and payload."""
    info = codec.parse_error(error_msg(error=-22))
    assert (info.error, info.errno, info.errno_name, info.capped) == (-22, 22, "EINVAL", False)
    assert info.echo_header == HDR.unpack_from(REQUEST) and info.echo_payload == REQUEST[16:]


def test_capped_error_echoes_only_the_header():
    """netlink_ack with NETLINK_CAP_ACK: NLM_F_CAPPED, the request's nlmsghdr only."""
    m = error_msg(error=-1, capped=True)
    info = codec.parse_error(m)
    assert (info.capped, info.echo_payload, info.errno_name) == (True, None, "EPERM")
    assert info.echo_header == HDR.unpack_from(REQUEST)
    assert m.length == 16 + 4 + 16


@pytest.mark.parametrize("capped", [False, True])
def test_every_extack_tlv_is_decoded(capped):
    """netlink_ack_tlv_fill: MSG, OFFS, COOKIE, POLICY (nested), MISS_TYPE, MISS_NEST after the echo."""
    ext = codec.ExtAck(msg="bad thing", offset=36, cookie=b"\x01\x02\x03\x04\x05\x06\x07\x08",
                       policy={C.NL_POLICY_TYPE_ATTR_TYPE: struct.pack("=I", C.NL_ATTR_TYPE_U32),
                               C.NL_POLICY_TYPE_ATTR_MAX_VALUE_U: struct.pack("=Q", 10)},
                       miss_type=C.IFLA_IFNAME, miss_nest=32, unknown={60: b"new"})
    m = error_msg(error=-34, capped=capped, extack=ext)
    assert codec.flags_names(m.type, m.flags) == (["CAPPED", "ACK_TLVS"] if capped else ["ACK_TLVS"])
    info = codec.parse_error(m)
    assert info.extack == ext and bool(info.extack)


def test_extack_tlvs_are_ignored_without_ack_tlvs_flag():
    """netlink_ack sets NLM_F_ACK_TLVS whenever it appends TLVs; without it the bytes are not TLVs."""
    data = bytearray(codec.encode_error(REQUEST, -22, extack=codec.ExtAck(msg="x")))
    struct.pack_into("=H", data, 6, 0)
    info = codec.parse_error(codec.parse(bytes(data))[0])
    assert not info.extack and info.extack.msg is None


def test_ack_with_error_zero_is_not_an_error():
    """netlink_ack: error 0 is the ACK of a request sent with NLM_F_ACK."""
    info = codec.parse_error(error_msg(error=0, capped=True))
    assert (info.error, info.errno_name) == (0, "ok")


def test_error_message_too_short_for_its_echo_is_a_decode_error():
    """struct nlmsgerr: int error + struct nlmsghdr at least; an uncapped echo must fit."""
    with pytest.raises(DecodeError):
        codec.parse_error(codec.parse(codec.encode(C.NLMSG_ERROR, 0, b"\0" * 12))[0])
    with pytest.raises(DecodeError):  # claims a 100-byte request, carries 16
        codec.parse_error(codec.parse(codec.encode(C.NLMSG_ERROR, 0, struct.pack("=i", -1) + HDR.pack(100, 16, 0, 0, 0)))[0])


def test_malformed_extack_tlv_is_a_decode_error():
    """nlmsgerr TLVs are nlattrs: the same length rules apply (a 2-byte OFFS cannot be a u32)."""
    good = codec.encode_error(REQUEST, -22, capped=True)
    tlvs = nla(6, C.NLMSGERR_ATTR_OFFS, b"\1\0") + b"\0\0"
    data = bytearray(good + tlvs)
    struct.pack_into("=IH", data, 0, len(data), C.NLMSG_ERROR)
    struct.pack_into("=H", data, 6, C.NLM_F_CAPPED | C.NLM_F_ACK_TLVS)
    with pytest.raises(DecodeError):
        codec.parse_error(codec.parse(bytes(data))[0])


def test_done_carries_the_dump_errno_and_its_extack():
    """netlink_dump_done: NLMSG_DONE holds the dump's int error, then TLVs with NLM_F_ACK_TLVS."""
    (m,) = codec.parse(codec.encode_done(9, 10, -95, extack=codec.ExtAck(msg="no dump for you", offset=20)))
    info = codec.parse_done(m)
    assert (info.errno_name, info.extack.msg, info.extack.offset, info.echo_header) == (
        "EOPNOTSUPP", "no dump for you", 20, None)
    assert codec.flags_names(m.type, m.flags) == ["MULTI", "ACK_TLVS"]


def test_done_with_an_empty_payload_means_success():
    """Some families end dumps with a DONE without the int (genetlink on old kernels): error 0."""
    (m,) = codec.parse(codec.encode(C.NLMSG_DONE, C.NLM_F_MULTI))
    assert codec.parse_done(m).error == 0


@pytest.mark.parametrize("mtype, name", [(C.NLMSG_NOOP, "NLMSG_NOOP"), (C.NLMSG_OVERRUN, "NLMSG_OVERRUN")])
def test_noop_and_overrun_messages_are_named_and_kept(mtype, name):
    """NLMSG_NOOP / NLMSG_OVERRUN: control types below NLMSG_MIN_TYPE with only the common flags."""
    (m,) = codec.parse(codec.encode(mtype, C.NLM_F_REQUEST | C.NLM_F_ROOT))
    assert m.type_name == name
    assert codec.flags_names(m.type, m.flags) == ["REQUEST", hex(C.NLM_F_ROOT)]
    assert R.decode(m)["payload"] == b""


# -- flags ------------------------------------------------------------------------------------
@pytest.mark.parametrize("mtype, flags, names", [
    (C.RTM_GETLINK, C.NLM_F_REQUEST | C.NLM_F_DUMP, ["REQUEST", "ROOT", "MATCH"]),
    (C.RTM_GETROUTE, C.NLM_F_ATOMIC, ["ATOMIC"]),
    (C.RTM_NEWLINK, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL, ["REQUEST", "ACK", "EXCL", "CREATE"]),
    (C.RTM_NEWROUTE, C.NLM_F_REPLACE | C.NLM_F_APPEND, ["REPLACE", "APPEND"]),
    (C.RTM_DELLINK, C.NLM_F_NONREC, ["NONREC"]),
    (C.RTM_NEWLINK, C.NLM_F_MULTI | C.NLM_F_DUMP_INTR | C.NLM_F_DUMP_FILTERED, ["MULTI", "DUMP_INTR", "DUMP_FILTERED"]),
    (C.NLMSG_ERROR, C.NLM_F_CAPPED | C.NLM_F_ACK_TLVS, ["CAPPED", "ACK_TLVS"]),
    (C.NLMSG_DONE, C.NLM_F_MULTI | C.NLM_F_ACK_TLVS, ["MULTI", "ACK_TLVS"]),
    (C.RTM_NEWLINK, C.NLM_F_ECHO | 0x8000, ["ECHO", "0x8000"]),
    (C.RTM_NEWLINK, 0, []),
])
def test_flags_are_named_by_message_kind(mtype, flags, names):
    """netlink.h: bits 0x100-0x800 mean GET modifiers, NEW modifiers, DELETE modifiers or ACK info by kind."""
    assert codec.flags_names(mtype, flags) == names
    assert codec.flags_text(mtype, flags) == ("|".join(names) or "0")


def test_flags_of_other_protocols_keep_ambiguous_bits_as_hex():
    """genetlink reuses type numbers >= 16 for families: the GET/NEW meaning of 0x100-0x800 is unknown."""
    assert codec.flags_names(C.GENL_ID_CTRL, C.NLM_F_REQUEST | C.NLM_F_DUMP, C.NETLINK_GENERIC) == ["REQUEST", "0x300"]
    assert codec.flags_names(C.NLMSG_ERROR, C.NLM_F_CAPPED, C.NETLINK_GENERIC) == ["CAPPED"]


@pytest.mark.parametrize("layout", [L.IFINFOMSG, L.RTMSG, L.NDMSG, L.NDTMSG, L.IFADDRMSG, L.RTGENMSG, L.GENLMSGHDR],
                         ids=lambda x: x.name)
def test_family_headers_unpack_at_their_size_and_refuse_one_byte_less(layout):
    """nlmsg_parse checks nlmsg_len >= hdrlen: each fixed header (sizes from the UAPI headers) needs all its bytes."""
    values = {f: i + 1 for i, f in enumerate(layout.fields)}
    (m,) = codec.parse(codec.encode(C.RTM_BASE, 0, layout.pack(**values)))
    assert layout.as_dict(m.header(layout)) == values
    (short,) = codec.parse(codec.encode(C.RTM_BASE, 0, layout.pack(**values)[:-1]))
    with pytest.raises(DecodeError) as e:
        short.header(layout)
    assert e.value.offset == codec.HDRLEN and layout.name in e.value.reason


def test_decode_text_names_the_numbers_of_family_header_fields():
    """decode's text names family, scope, protocol, type and table by the headers' names (the number stays)."""
    from netlink_probe.codec.describe_text import field_text
    assert field_text("rtm_family", C.AF_INET6) == f"rtm_family={C.AF_INET6} (AF_INET6)"
    assert field_text("family", C.AF_INET) == f"family={C.AF_INET} (AF_INET)"
    assert field_text("ifa_scope", C.RT_SCOPE_LINK) == f"ifa_scope={C.RT_SCOPE_LINK} (RT_SCOPE_LINK)"
    assert field_text("rtm_table", C.RT_TABLE_MAIN) == f"rtm_table={C.RT_TABLE_MAIN} (RT_TABLE_MAIN)"
    assert field_text("rtm_protocol", 250) == "rtm_protocol=250"  # no name in the headers: the number alone
    assert field_text("ifi_index", 2) == "ifi_index=2"
