"""Mutations of netlink bytes that aim at the decoder's weak spots, driven by one seeded `random.Random`.

Besides blind bit flips and splices, the mutator knows where the length
fields are (nlmsg_len, nla_len, found by a tolerant walk that never raises)
and corrupts those; it wraps attribute runs in deep nests (of the types that
open a known space again, such as IFLA_PROP_LIST in IFLA_PROP_LIST, and of
bare NLA_F_NESTED ones), repeats attributes thousands of times, and forges
NLMSG_ERROR error fields (INT_MIN, positive, any 32 bits).  The same seed
gives the same mutants, so a finding is replayed from its seed alone.
"""
from __future__ import annotations

import random
import struct
from collections.abc import Callable, Sequence

from .. import constants as C

_MSG = struct.Struct("=IHHII")
_NLA = struct.Struct("=HH")
MAX_INPUT = 128 * 1024  # mutants are cut to this size: twice the 64 KiB an attribute nest can span
# Types that open a space again (recursion through known spaces) or name an array / next hops.
NEST_TYPES = (C.IFLA_PROP_LIST, C.IFLA_LINKINFO, C.IFLA_AF_SPEC, C.IFLA_INFO_DATA, C.RTA_MULTIPATH,
              C.RTA_METRICS, C.NDTA_PARMS, C.CTRL_ATTR_MCAST_GROUPS, C.CTRL_ATTR_OPS, 1, 0x3FFF)
_INTERESTING_32 = (0, 1, 3, 4, 15, 16, 17, 20, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)
_INTERESTING_16 = (0, 1, 3, 4, 5, 8, 0xFFFF, 0x7FFF, 0x8000)


def message_spans(data: bytes) -> list[tuple[int, int]]:
    """(offset, nlmsg_len) of each message while the headers hold together; never raises."""
    out, off = [], 0
    while off + 16 <= len(data):
        ln = _MSG.unpack_from(data, off)[0]
        if ln < 16 or off + ln > len(data):
            break
        out.append((off, ln))
        off += (ln + 3) & ~3
    return out


def attr_spans(data: bytes, start: int, end: int, limit: int = 256) -> list[tuple[int, int]]:
    """(offset, nla_len) of attributes in [start, end) and in nests inside them (at most *limit*); never raises."""
    out: list[tuple[int, int]] = []
    todo = [(start, end)]
    while todo and len(out) < limit:
        off, stop = todo.pop()
        while off + 4 <= stop and len(out) < limit:
            ln = _NLA.unpack_from(data, off)[0]
            if ln < 4 or off + ln > stop:
                break
            out.append((off, ln))
            if ln >= 8:
                todo.append((off + 4, off + ln))
            off += (ln + 3) & ~3
    return out


def nest(levels: int, types: Sequence[int], inner: bytes = b"", flagged: bool = True) -> bytes:
    """*inner* wrapped in *levels* nests, the types taken in turn from *types*; stops where nla_len would overflow."""
    out = inner
    for i in range(levels):
        if len(out) + 4 > 0xFFFF:
            break
        out = _NLA.pack(len(out) + 4, types[i % len(types)] | (C.NLA_F_NESTED if flagged else 0)) + out
    return out


def message(mtype: int, body: bytes, flags: int = 0, seq: int = 0, pid: int = 0) -> bytes:
    """One message around *body* (family header and attributes), padded to 4 bytes."""
    ln = 16 + len(body)
    return _MSG.pack(ln & 0xFFFFFFFF, mtype, flags, seq, pid) + body + b"\0" * ((4 - ln % 4) % 4)


class Mutator:
    """Mutants of corpus entries: `mutate` applies one to four of the mutations below, chosen at random."""

    def __init__(self, corpus: Sequence[bytes], seed: int = 0, limit: int = MAX_INPUT) -> None:
        if not corpus:
            raise ValueError("the mutator needs at least one corpus entry")
        self.corpus = corpus
        self.limit = limit
        self.rng = random.Random(seed)
        self.mutations: tuple[Callable[[bytearray], bytearray], ...] = (
            self.flip_bits, self.set_bytes, self.length_field, self.length_field, self.splice, self.truncate,
            self.insert_bytes, self.deep_nest, self.repeat_attribute, self.error_field, self.nest_attribute)

    def mutate(self, data: bytes | None = None) -> bytes:
        """A mutant of *data* (default: a corpus entry picked at random), at most *limit* bytes."""
        rng = self.rng
        buf = bytearray(rng.choice(self.corpus) if data is None else data)
        for _ in range(rng.choice((1, 1, 2, 3, 4))):
            buf = rng.choice(self.mutations)(buf)
        return bytes(buf[:self.limit])

    # -- blind ------------------------------------------------------------------------
    def flip_bits(self, b: bytearray) -> bytearray:
        """Flip one to eight random bits."""
        for _ in range(self.rng.randint(1, 8)):
            if b:
                i = self.rng.randrange(len(b) * 8)
                b[i >> 3] ^= 1 << (i & 7)
        return b

    def set_bytes(self, b: bytearray) -> bytearray:
        """Set one to four bytes to boundary values (0, 0xFF, 0x7F, 0x80, 1) or a random one."""
        for _ in range(self.rng.randint(1, 4)):
            if b:
                b[self.rng.randrange(len(b))] = self.rng.choice((0, 0xFF, 0x7F, 0x80, 1, self.rng.randrange(256)))
        return b

    def truncate(self, b: bytearray) -> bytearray:
        """Cut the input at a random length: lengths that promise more than arrives."""
        return b[:self.rng.randrange(len(b) + 1)]

    def insert_bytes(self, b: bytearray) -> bytearray:
        """Insert 1 to 8 random bytes at a random place, shifting what follows off its alignment."""
        at = self.rng.randrange(len(b) + 1)
        return b[:at] + bytes(self.rng.randrange(256) for _ in range(self.rng.choice((1, 2, 3, 4, 8)))) + b[at:]

    def splice(self, b: bytearray) -> bytearray:
        """This input's head on another corpus entry's tail, both cut at 4-byte boundaries."""
        other = self.rng.choice(self.corpus)
        cut, from_ = self.rng.randrange(len(b) + 1) & ~3, self.rng.randrange(len(other) + 1) & ~3
        return b[:cut] + other[from_:]

    # -- structure-aware ------------------------------------------------------------------
    def _attr_run(self, b: bytearray) -> tuple[int, int, int, int] | None:
        """(message offset, message length, attribute start, attribute end) of a random message, or None."""
        msgs = message_spans(bytes(b))
        if not msgs:
            return None
        off, ln = self.rng.choice(msgs)
        start = off + 16 + self.rng.choice((0, 4, 8, 12, 16, 20, 28))  # the family header sizes
        return (off, ln, start, off + ln) if start <= off + ln else None

    def length_field(self, b: bytearray) -> bytearray:
        """One nlmsg_len or nla_len set to a boundary value, a near miss or anything."""
        data = bytes(b)
        msgs = message_spans(data)
        run = self._attr_run(b)
        attrs = attr_spans(data, run[2], run[3]) if run else []
        rng = self.rng
        if attrs and rng.random() < 0.7:
            off, ln = rng.choice(attrs)
            v = rng.choice((*_INTERESTING_16, ln + 1, ln - 1, ln + 4, ln - 4, rng.randrange(0x10000)))
            struct.pack_into("=H", b, off, v & 0xFFFF)
        elif msgs:
            off, ln = rng.choice(msgs)
            v = rng.choice((*_INTERESTING_32, ln + 1, ln - 1, ln + 4, ln - 4, rng.randrange(1 << 32)))
            struct.pack_into("=I", b, off, v & 0xFFFFFFFF)
        return b

    def _replace_attrs(self, b: bytearray, run: tuple[int, int, int, int], attrs: bytes) -> bytearray:
        """The message of *run* with its attributes replaced by *attrs* (nlmsg_len fixed)."""
        off, ln, start, end = run
        msg = bytearray(b[off:start]) + attrs
        struct.pack_into("=I", msg, 0, len(msg) & 0xFFFFFFFF)
        return b[:off] + msg + b"\0" * ((4 - len(msg) % 4) % 4) + b[(off + ln + 3) & ~3:]

    def deep_nest(self, b: bytearray) -> bytearray:
        """A message's attributes wrapped in up to 16,000 nests (types that reopen spaces, or bare nests)."""
        run = self._attr_run(b)
        if run is None:
            return b
        rng = self.rng
        levels = rng.choice((1, 2, 31, 32, 33, 34, 100, 1000, rng.randint(1, 16000)))
        types = rng.choice(((rng.choice(NEST_TYPES),), NEST_TYPES, (C.IFLA_LINKINFO, C.IFLA_INFO_DATA)))
        inner = bytes(b[run[2]:run[3]]) if rng.random() < 0.5 else b""
        return self._replace_attrs(b, run, nest(levels, types, inner, flagged=rng.random() < 0.8))

    def nest_attribute(self, b: bytearray) -> bytearray:
        """One attribute of a message wrapped in a few nests, its parents' lengths left as they were."""
        data = bytes(b)
        run = self._attr_run(b)
        attrs = attr_spans(data, run[2], run[3]) if run else []
        if not attrs:
            return b
        off, ln = self.rng.choice(attrs)
        wrapped = nest(self.rng.randint(1, 40), NEST_TYPES, data[off:off + ln])
        return b[:off] + wrapped + b[off + ln:]

    def repeat_attribute(self, b: bytearray) -> bytearray:
        """One attribute of a message repeated up to 16,000 times at the top level."""
        data = bytes(b)
        run = self._attr_run(b)
        attrs = attr_spans(data, run[2], run[3], limit=16) if run else []
        if run is None or not attrs:
            return b
        off, ln = self.rng.choice(attrs)
        one = data[off:off + ln] + b"\0" * ((4 - ln % 4) % 4)
        big = self.rng.randint(1, max(1, 0xFFFF // len(one)))  # up to one 64 KiB run of it: rarely, it is slow
        count = self.rng.choice((2, 3, 16, 100, 1000, big))
        return self._replace_attrs(b, run, bytes(b[run[2]:run[3]]) + one * count)

    def error_field(self, b: bytearray) -> bytearray:
        """An NLMSG_ERROR/DONE whose int error is INT_MIN, positive or any 32 bits (echoing what was there)."""
        rng = self.rng
        err = rng.choice((-(1 << 31), (1 << 31) - 1, -4095, -4096, 1, 0, rng.randrange(-(1 << 31), 1 << 31)))
        mtype = rng.choice((C.NLMSG_ERROR, C.NLMSG_DONE))
        echo = bytes(b[:rng.choice((0, 16, len(b)))])
        flags = rng.choice((0, C.NLM_F_CAPPED, C.NLM_F_ACK_TLVS, C.NLM_F_CAPPED | C.NLM_F_ACK_TLVS, C.NLM_F_MULTI))
        return bytearray(message(mtype, struct.pack("=i", err) + echo, flags))


__all__ = ["MAX_INPUT", "NEST_TYPES", "Mutator", "attr_spans", "message", "message_spans", "nest"]
