"""Hypothesis properties of the codec: total on any bytes, bounded in time, and encode/decode round trips.

"Total": whatever the bytes, the codec returns objects or raises DecodeError
(never IndexError, struct.error, RecursionError ...), and every loop advances.
"Bounded": each example finishes within LIMIT seconds; LIMIT is 50 ms, or
more on a machine where a reference 64 KiB parse is slow (qemu TCG is ~8x
slower, a loaded CI box 2-3x), so the bound catches non-advancing or
quadratic loops, not a busy machine.  NP_FUZZ_EXAMPLES raises the number of
examples per property (100 by default) for a long fuzzing run.
"""
from __future__ import annotations

import gc
import os
import struct
import time

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from netlink_probe import DecodeError, codec
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import rtnl as R
from netlink_probe.sys import ffi, lib

MAX = 64 * 1024
HDR = struct.Struct("=IHHII")
NLA = struct.Struct("=HH")


def _reference() -> float:
    """Seconds to parse 64 KiB of minimal messages and iterate 64 KiB of empty attributes (best of 3)."""
    msgs = codec.encode(C.NLMSG_NOOP, 0) * (MAX // codec.HDRLEN)
    attrs = A.flag(1) * (MAX // 4)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        codec.parse(msgs)
        list(A.Attrs(attrs, 0, len(attrs)))
        best = min(best, time.perf_counter() - t)
    return best


# The 64 KiB worst cases below do 1-3x the work of _reference(); allow 10x, and never less than 50 ms:
# a quadratic or non-advancing loop on 16384 items is off by orders of magnitude, not by 10x.
LIMIT = max(0.05, 10 * _reference())


def bounded(fn, *args):
    """Run fn(*args) expecting a result or DecodeError; assert it took less than LIMIT (best of 3 on a slow try)."""
    best = float("inf")
    for _ in range(3):
        gc.disable()  # no collector pause inside the measurement
        t = time.perf_counter()
        try:
            out = fn(*args)
        except DecodeError as e:
            out = e
        finally:
            elapsed = time.perf_counter() - t
            gc.enable()
        best = min(best, elapsed)
        if best < LIMIT:
            break
    assert best < LIMIT, f"{fn.__name__} took {best * 1000:.1f} ms (limit {LIMIT * 1000:.0f} ms)"
    if isinstance(out, DecodeError):
        assert isinstance(out.offset, int) and out.offset >= 0 and out.reason
    return out


EXAMPLES = int(os.environ.get("NP_FUZZ_EXAMPLES", "100"))  # e.g. NP_FUZZ_EXAMPLES=5000 for a long fuzzing run
PROPS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])

# -- strategies ----------------------------------------------------------------------------------------
RTM_TYPES = sorted(t for t in C.MESSAGE_TYPES if t >= C.RTM_BASE)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)


@st.composite
def nearly_valid_messages(draw):
    """Runs of headers whose lengths are mostly right, sometimes off by a little or a lot."""
    out = b""
    for _ in range(draw(st.integers(1, 6))):
        body = draw(st.binary(max_size=96))
        length = 16 + len(body)
        length = draw(st.sampled_from([length, length, length, length - 1, length + 1, length + 4, 0, 15, 16,
                                       0xFFFFFFFF, draw(u32)])) & 0xFFFFFFFF
        mtype = draw(st.sampled_from([C.NLMSG_ERROR, C.NLMSG_DONE, C.NLMSG_NOOP, C.NLMSG_OVERRUN, *RTM_TYPES]))
        chunk = HDR.pack(length, mtype, draw(u16), draw(u32), draw(u32)) + body
        out += chunk + b"\0" * draw(st.sampled_from([0, (4 - len(chunk) % 4) % 4, 1, 2]))
    return out


@st.composite
def nearly_valid_attrs(draw):
    """Attribute runs with plausible and implausible nla_len values, nested runs inside some."""
    out = b""
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.booleans()):
            body = draw(nearly_valid_attrs()) if draw(st.integers(0, 3)) == 0 else draw(st.binary(max_size=24))
        else:
            body = draw(st.binary(max_size=24))
        alen = draw(st.sampled_from([4 + len(body)] * 4 + [0, 1, 3, 4, 5 + len(body), 0xFFFF, draw(u16)]))
        chunk = NLA.pack(alen & 0xFFFF, draw(u16)) + body
        out += chunk + b"\0" * ((4 - len(chunk) % 4) % 4)
    return out + draw(st.sampled_from([b"", b"\0", b"\0\0\0", b"\x01", b"\x01\x02\x03"]))


any_bytes = st.one_of(st.binary(max_size=512), nearly_valid_messages())


# -- totality ------------------------------------------------------------------------------------------------
def parse_and_touch(data):
    msgs = codec.parse(data)
    for m in msgs:
        (m.type_name, m.raw(), bytes(m.payload), codec.flags_names(m.type, m.flags))
    return msgs


@PROPS
@given(any_bytes)
def test_parse_returns_messages_or_raises_decode_error_in_bounded_time(data):
    """codec.parse: any bytes give whole messages tiling the buffer, or DecodeError."""
    out = bounded(parse_and_touch, data)
    if not isinstance(out, DecodeError):
        pos = 0
        for m in out:
            assert m.offset == pos and 16 <= m.length
            pos = m.offset + ((m.length + 3) & ~3)
        assert min(pos, len(data)) == len(data)


@settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.binary(min_size=1, max_size=64), st.sampled_from([0, 1, 2]))
def test_parse_of_64k_inputs_is_bounded(seed, shape):
    """codec.parse on 64 KiB: repeated seeds, runs of minimal messages, or one huge claimed length."""
    if shape == 0:
        data = (seed * (MAX // len(seed) + 1))[:MAX]
    elif shape == 1:
        data = codec.encode(C.NLMSG_NOOP, 0, seed[:0]) * (MAX // 16) + seed[:15]
    else:
        data = HDR.pack(MAX, 16, 0, 0, 0) + seed * (MAX // len(seed))
    bounded(parse_and_touch, data)


def walk_attrs(data):
    """Every attribute, every accessor once per type, and every value re-read as a nest (explicit stack)."""
    stack = [A.Attrs(data, 0, len(data))]
    seen = 0
    getters = ("u8", "u16", "u32", "u64", "s32", "s64", "be16", "be32", "str", "bytes", "span", "nested")
    while stack:
        attrs = stack.pop()
        try:
            for a in attrs:
                seen += 1
                (a.type, a.flags, a.nested_flag, a.net_byteorder, a.value)
                if len(a.value) >= 4:
                    stack.append(a.nested())
            for t in set(attrs.types()):
                for name in getters:
                    try:
                        getattr(attrs, name)(t)
                    except DecodeError:
                        pass
            len(attrs), repr(attrs)
        except DecodeError:
            pass
    return seen


@PROPS
@given(st.one_of(st.binary(max_size=512), nearly_valid_attrs()))
def test_attribute_index_and_nested_walk_never_crash(data):
    """Attrs: indexing, every accessor and nested recursion over any bytes give values or DecodeError."""
    bounded(walk_attrs, data)


def test_attribute_walk_of_64k_is_bounded():
    """Attrs on 64 KiB: 16384 empty attributes, or one nest per 4 bytes deep."""
    flat = A.flag(1) * (MAX // 4)
    bounded(walk_attrs, flat)
    deep = b""
    for _ in range(2000):  # 2000 levels of nesting, 8000 bytes
        deep = NLA.pack(4 + len(deep), 1 | C.NLA_F_NESTED) + deep
    bounded(walk_attrs, deep)


@PROPS
@given(st.sampled_from(RTM_TYPES + [C.NLMSG_MIN_TYPE, 0xFFFF]), u16,
       st.one_of(st.binary(max_size=256), nearly_valid_attrs().map(lambda a: b"\0" * 16 + a),
                 nearly_valid_attrs().map(lambda a: b"\0" * 12 + a), nearly_valid_attrs().map(lambda a: b"\0" * 4 + a)))
def test_rtnl_decode_of_any_payload_gives_a_dict_or_decode_error(mtype, flags, payload):
    """codec.rtnl.decode for every RTM_* family: header layouts given short buffers, nests past parents."""
    (m,) = codec.parse(codec.encode(mtype, flags, payload))
    out = bounded(R.decode, m)
    if not isinstance(out, DecodeError):
        assert out["type"] == m.type_name and isinstance(out.get("attrs", {}), dict)
    if R.family(mtype) and R.family(mtype)[0] == "route":
        try:
            bounded(R.multipath, m.attrs(R.family(mtype)[1].size))
        except DecodeError:
            pass


@PROPS
@given(u16, st.one_of(st.binary(max_size=200), nearly_valid_attrs().map(lambda a: b"\xea\xff\xff\xff" + a),
                      nearly_valid_messages().map(lambda b: b"\xea\xff\xff\xff" + b)))
def test_error_and_done_parsers_give_error_info_or_decode_error(flags, payload):
    """parse_error / parse_done over any payload and flags (CAPPED, ACK_TLVS in any combination)."""
    for mtype, fn in ((C.NLMSG_ERROR, codec.parse_error), (C.NLMSG_DONE, codec.parse_done)):
        (m,) = codec.parse(codec.encode(mtype, flags, payload))
        out = bounded(fn, m)
        if not isinstance(out, DecodeError):
            assert isinstance(out, codec.ErrorInfo) and isinstance(out.errno_name, str)


@PROPS
@given(u16, u16, st.sampled_from([None, C.NETLINK_ROUTE, C.NETLINK_GENERIC]))
def test_flag_names_add_up_to_the_flags(mtype, flags, protocol):
    """flags_names: each set bit is named once (NLM_F_<name>) or left in one hex remainder; nothing is lost."""
    names = codec.flags_names(mtype, flags, protocol)
    assert len(set(names)) == len(names)
    total = 0
    for n in names:
        bit = int(n, 16) if n.startswith("0x") else C.VALUES["NLM_F_" + n]
        assert total & bit == 0
        total |= bit
    assert total == flags


# -- round trips ---------------------------------------------------------------------------------------------------
message = st.tuples(u16, u16, u32, u32, st.binary(max_size=300))


@PROPS
@given(st.lists(message, min_size=1, max_size=8))
def test_encode_then_parse_is_the_identity(specs):
    """codec.encode / codec.parse: type, flags, seq, pid and payload survive, messages stay in order."""
    data = b"".join(codec.encode(t, f, p, s, pid) for t, f, s, pid, p in specs)
    got = codec.parse(data)
    assert [(m.type, m.flags, m.seq, m.pid, bytes(m.payload)) for m in got] == [
        (t, f, s, pid, p) for t, f, s, pid, p in specs]


attr_leaf = st.tuples(st.integers(0, A.NLA_TYPE_MASK), st.booleans(), st.binary(max_size=40))
attr_tree = st.recursive(
    attr_leaf,
    lambda children: st.tuples(st.integers(0, A.NLA_TYPE_MASK), st.booleans(), st.lists(children, max_size=5)),
    max_leaves=25)


def encode_tree(node) -> bytes:
    t, flag, v = node
    if isinstance(v, list):
        return A.attr(t, b"".join(encode_tree(c) for c in v), nested=True, net_byteorder=flag)
    return A.attr(t, v, net_byteorder=flag)


def decode_tree(a: A.Attr, like):
    _, _, v = like
    if isinstance(v, list):
        return (a.type, a.net_byteorder, [decode_tree(c, lc) for c, lc in zip(a.nested(), v)])
    return (a.type, a.net_byteorder, bytes(a.value))


@PROPS
@given(st.lists(attr_tree, max_size=6), st.binary(max_size=20))
def test_attribute_trees_survive_encode_then_decode(trees, header):
    """attr/nest then Attrs: types, flags, nesting and values come back; first-of-type lookups agree."""
    fixed = header + b"\0" * ((4 - len(header) % 4) % 4)
    (m,) = codec.parse(codec.encode(C.RTM_NEWLINK, 0, fixed + b"".join(encode_tree(t) for t in trees)))
    attrs = m.attrs(len(header))
    got = list(attrs)
    assert len(got) == len(trees)
    assert [decode_tree(a, t) for a, t in zip(got, trees)] == [
        (t, f, v if not isinstance(v, list) else [decode_tree_expected(c) for c in v]) for t, f, v in trees]
    for a, tree in zip(got, trees):
        assert a.nested_flag == isinstance(tree[2], list)
    first = {}
    for t, _, v in trees:
        first.setdefault(t, v)
    for t, v in first.items():
        if not isinstance(v, list):
            assert attrs.bytes(t) == v


def decode_tree_expected(node):
    t, f, v = node
    return (t, f, [decode_tree_expected(c) for c in v] if isinstance(v, list) else v)


ext_acks = st.builds(
    codec.ExtAck,
    msg=st.none() | st.text(alphabet=st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=40),
    offset=st.none() | u32, cookie=st.none() | st.binary(max_size=20),
    policy=st.none() | st.dictionaries(st.integers(1, 12), st.binary(min_size=4, max_size=8), min_size=1, max_size=4),
    miss_type=st.none() | u32, miss_nest=st.none() | u32,
    unknown=st.dictionaries(st.integers(7, 200), st.binary(max_size=8), max_size=2))


@PROPS
@given(message, st.booleans(), st.integers(-4095, 0), ext_acks)
def test_error_encode_then_parse_is_the_identity(req, capped, error, ext):
    """encode_error / parse_error: errno, echoed header, echoed payload unless capped, every extack TLV."""
    t, f, s, pid, p = req
    request = codec.encode(t, f, p, s, pid)
    (m,) = codec.parse(codec.encode_error(request, error, capped=capped, extack=ext))
    info = codec.parse_error(m)
    assert (info.error, info.capped) == (error, capped)
    assert info.echo_header == (16 + len(p), t, f, s, pid) and (m.seq, m.pid) == (s, pid)
    assert info.echo_payload == (None if capped else p)
    assert info.extack == ext


@PROPS
@given(u32, u32, st.integers(-4095, 0), ext_acks)
def test_done_encode_then_parse_is_the_identity(seq, pid, error, ext):
    """encode_done / parse_done: the dump's errno and extack."""
    (m,) = codec.parse(codec.encode_done(seq, pid, error, extack=ext))
    info = codec.parse_done(m)
    assert (info.error, info.extack, m.seq, m.pid) == (error, ext, seq, pid)


