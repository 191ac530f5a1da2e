"""The lazy view's C index (np_index, codec.msgindex / codec.attr_index) against the plain Python codec.

Every lookup of a message indexed in C must give what `Attrs` gives on the
same bytes -- the same value, or the same DecodeError (offset and text) --
for captured kernel dumps, the fuzz corpus and mutants of both; and a
`Dump` iterated through the index must yield what `codec.parse` yields.
"""
from __future__ import annotations

import functools
import operator
import os
from typing import Any

import pytest
from captured import datagrams

from netlink_probe import DecodeError
from netlink_probe import constants as C
from netlink_probe.codec import layouts as L
from netlink_probe.codec import parse
from netlink_probe.codec import rtnl as R
from netlink_probe.codec.attr_index import IndexedAttrs
from netlink_probe.codec.msgindex import MessageIndexer
from netlink_probe.fuzzing import Mutator, crafted, load
from netlink_probe.testing import FakeKernel, replay

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = sorted({**load(os.path.join(HERE, "data")), **load(os.path.join(HERE, "fuzz_corpus")), **crafted()}.items())
FIXED = (12, 16, 4)  # rtmsg, ifinfomsg, genlmsghdr
HEADERS = (L.RTMSG, L.IFINFOMSG, L.GENLMSGHDR, L.NDMSG)
TYPES = (-1, *range(0, 36), 63, 64, 127, 128, 16383)
GETTERS = ("get", "u8", "u16", "u32", "u64", "s32", "s64", "be16", "be32", "str", "ip", "bytes", "offset", "span",
           "flag", "nested", "__contains__")


def _outcome(fn: Any, *args: Any) -> Any:
    try:
        v = fn(*args)
    except DecodeError as e:
        return ("DecodeError", e.offset, str(e))
    if isinstance(v, memoryview):
        return bytes(v)
    if v is not None and type(v).__name__ in ("Attrs", "IndexedAttrs"):
        return ("run", v.start, v.end)
    return v


def _everything(a: Any) -> list[Any]:
    """Every lookup of an attribute run, in an order that reaches the validation first as `Attrs` does."""
    out = [_outcome(lambda: [(x.type_word, x.offset, bytes(x.value)) for x in a])]
    out += [_outcome(len, a), _outcome(a.types), (a.start, a.end)]
    for t in TYPES:
        out += [_outcome(getattr(a, g), t) for g in GETTERS]
        out.append(_outcome(a.get_all, t))
    return out


def _seq_pid(data: bytes) -> tuple[int, int]:
    return (int.from_bytes(data[8:12], "little"), int.from_bytes(data[12:16], "little")) if len(data) >= 16 else (0, 0)


def _compare(data: bytes, fixed: int) -> int:
    """Indexed and plain decoding of one datagram agree; how many messages were indexed in C."""
    ix = MessageIndexer(fixed)
    seq, pid = _seq_pid(data)
    scanned = ix.scan(data, seq, pid)
    try:
        plain = parse(data)
    except DecodeError:
        assert scanned is None  # a malformed header: the general path raises, the index must not accept it
        return 0
    if scanned is None:
        assert any((m.seq, m.pid) != (seq, pid) for m in plain)
        return 0
    flat, lowest, ored = scanned
    assert (lowest, ored) == (min((m.type for m in plain), default=0xFFFF),
                              functools.reduce(operator.or_, (m.flags for m in plain), 0))
    mine = list(ix.messages(data, len(flat) // 4))
    assert [(m.offset, m.length, m.type, m.flags, m.seq, m.pid) for m in mine] == \
        [(m.offset, m.length, m.type, m.flags, m.seq, m.pid) for m in plain]
    for layout in HEADERS:  # header(): one bulk unpack per datagram and layout, or the plain path's DecodeError
        assert [_outcome(m.header, layout) for m in mine] == [_outcome(m.header, layout) for m in plain]
    indexed = 0
    for ours, theirs in zip(mine, plain):
        for f in {fixed, 12, 16}:  # the indexer's header size, and others (the plain path inside the view)
            a, b = _outcome(ours.attrs, f), _outcome(theirs.attrs, f)
            if isinstance(b, tuple) and b[0] == "DecodeError":
                assert a == b
                continue
            ra, rb = ours.attrs(f), theirs.attrs(f)
            indexed += isinstance(ra, IndexedAttrs)
            assert _everything(ra) == _everything(rb), (ours, f)
    return indexed


@pytest.mark.parametrize("name,data", SEEDS, ids=[n for n, _ in SEEDS])
def test_indexed_lookups_equal_the_plain_codec_on_the_corpus(name, data):
    """np_index + IndexedAttrs give every value and every DecodeError Attrs gives (captured and crafted input)."""
    for fixed in FIXED:
        _compare(data, fixed)


@pytest.mark.parametrize("seed", range(6))
def test_indexed_lookups_equal_the_plain_codec_on_mutants(seed):
    """The same on mutants of the corpus: flipped bits, bad lengths, deep nests, repeats, splices."""
    mutator = Mutator([d for _, d in SEEDS], seed=seed, limit=4096)
    for _ in range(20):
        data = mutator.mutate()
        for fixed in FIXED:
            _compare(data, fixed)


def test_kernel_dumps_are_indexed_in_c():
    """Captured kernel dumps take the C index for every data message (not the Python fallback)."""
    for name, fixed in (("routes_v4", 12), ("links", 16), ("neigh", 12), ("addrs", 8)):
        for dg in datagrams(name):
            data_msgs = [m for m in parse(dg) if m.type >= C.NLMSG_MIN_TYPE]
            assert _compare(dg, fixed) >= len(data_msgs), name


@pytest.mark.parametrize("name,mtype", [("routes_v4", C.RTM_GETROUTE), ("links", C.RTM_GETLINK),
                                         ("neigh", C.RTM_GETNEIGH), ("addrs", C.RTM_GETADDR)])
def test_dump_iteration_decodes_as_parse_does(name, mtype):
    """A Dump iterated (and kept by all()) through the index decodes every message as codec.parse does."""
    want = [R.decode(m) for dg in datagrams(name) for m in parse(dg) if m.type >= C.NLMSG_MIN_TYPE]
    for keep in (False, True):
        kernel = FakeKernel(replay(list(datagrams(name))))
        with kernel.socket() as sock:
            d = sock.dump(mtype, b"\0" * 12)
            msgs = d.all() if keep else list(d)
            got = [R.decode(m) for m in msgs]
        for g, w in zip(got, want):
            g["seq"] = w["seq"]
            g["pid"] = w["pid"]
        assert got == want
