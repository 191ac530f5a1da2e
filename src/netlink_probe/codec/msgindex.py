"""Dump datagrams split and indexed in one C call each, for the lazy `Message` view.

`Dump` iteration classifies each datagram through `Exchange.receive_scanned`
with `MessageIndexer.scan` as the scanner (the same rules as every other
path).  The binding's np_index splits the messages, checks their headers,
sequence number and port id, and validates each one's attributes, recording
the first offset of every attribute type in a compact table
(`codec.attr_index`).  `MessageIndexer.messages` then hands out
`IndexedMessage`s that carry that index: their `attrs()` needs no Python pass
over the TLVs and no dict, and their `header()` comes from one bulk unpack of
the datagram's family headers.  Built one at a time, they leave little for
Python's cyclic GC to walk.
"""
from __future__ import annotations

import struct
from array import array
from collections.abc import Iterator
from itertools import repeat
from typing import Any, cast

from ..sys import ffi, lib
from .attr_index import DatagramIndex, IndexedAttrs
from .attribute import Attrs
from .buffer import Buffer
from .layouts import Layout
from .message import HDRLEN, Message

__all__ = ["IndexedMessage", "MessageIndexer"]

_new: Any = object.__new__  # slots filled by hand: a third of the cost of an __init__
_new_tuple: Any = tuple.__new__
_AT_MESSAGE: dict[Layout, Any] = {}  # layout -> unpack_from(buf, message offset) of its struct after the nlmsghdr


def _unpack_at_message(layout: Layout) -> Any:
    """unpack_from(buf, offset of a message) of *layout* after the message's nlmsghdr: no offset arithmetic per call."""
    f = _AT_MESSAGE.get(layout)
    if f is None:
        fmt = layout._struct.format
        assert fmt[0] == "=", fmt  # Layout's structs: standard sizes, no alignment
        f = _AT_MESSAGE[layout] = struct.Struct(f"={HDRLEN}x" + fmt[1:]).unpack_from
    return f


class IndexedMessage(Message):
    """A `Message` of a datagram np_index split: ``_index`` is its `DatagramIndex`, ``_row`` its number in it.

    The same view as a `Message`, with faster `attrs` (a row of the C index)
    and `header` (every header of the datagram unpacked at once, on first use).
    """

    __slots__ = ()
    _index: DatagramIndex

    def attrs(self, fixed_len: int) -> Attrs:
        """The attributes after a family header of *fixed_len* bytes (see `Message.attrs`)."""
        ix = self._index
        row = self._row * ix.stride
        if fixed_len == ix.fixed_len and ix.table[row]:  # the only place an IndexedAttrs is made
            a = _new(IndexedAttrs)
            a._ix = ix
            a._row = row + 1
            a._base = self.offset
            return a  # type: ignore[no-any-return]
        return Message.attrs(self, fixed_len)

    def header(self, layout: Layout) -> Any:
        """The family header at the start of the payload, by field name (see `Message.header`)."""
        hs = self._index.headers
        if hs is None or hs[0] is not layout:
            hs = self._headers(layout)
        h = hs[1][self._row]
        return h if h is not None else Message.header(self, layout)  # too short: the DecodeError

    def _headers(self, layout: Layout) -> tuple[Layout, list[Any]]:
        """*layout* unpacked from every message of the datagram (None for one too short for it)."""
        ix = self._index
        flat, data, cls = ix.flat, ix.data, layout._tuple
        unpack = _unpack_at_message(layout)
        size = HDRLEN + layout.size
        lengths = flat[1::4]
        if min(lengths) >= size:  # the whole datagram in C-level loops
            made = list(map(_new_tuple, repeat(cls), map(unpack, repeat(data), flat[0::4])))
        else:  # a short message (the NLMSG_DONE of the last datagram, or a malformed one)
            made = [_new_tuple(cls, unpack(data, o)) if n >= size else None for o, n in zip(flat[0::4], lengths)]
        ix.headers = hs = (layout, made)
        return hs


class MessageIndexer:
    """Index whole datagrams whose data messages carry a *fixed_len*-byte family header.

    One per dump: its scratch buffers grow to the largest datagram seen and
    are reused; each datagram's own index is a copy sized to it.
    """

    MAX_TYPES = 128  # attribute types indexed (a message with a larger one is indexed in Python)

    def __init__(self, fixed_len: int) -> None:
        self.fixed_len = fixed_len
        self._cap = 0
        self._width = ffi.new("int *")
        self._last: tuple[Buffer, DatagramIndex, int, int] | None = None

    def _ensure(self, cap: int) -> None:
        if cap > self._cap:
            self._cap = cap
            self._msg = ffi.new("uint32_t[]", 4 * cap)
            self._tab = ffi.new("uint16_t[]", cap * (self.MAX_TYPES + 1))

    def scan(self, data: Buffer, seq: int, pid: int) -> list[int] | None:
        """Split and index one datagram: (offset, length, type, flags) of each message, flat.

        None when a header is malformed or a message's seq or port id is not
        *seq*, *pid*: `codec.exchange` then classifies the datagram message by
        message (the scanner's signature of `Exchange.receive_scanned`).
        """
        cap = len(data) // HDRLEN + 1
        self._ensure(cap)
        n = lib.np_index(ffi.from_buffer(data), len(data), seq, pid, self.fixed_len, self.MAX_TYPES,
                         self._msg, self._tab, self._width, cap)
        if n < 0:
            self._last = None
            return None
        width = self._width[0]
        table = array("H")
        table.frombytes(ffi.buffer(self._tab, 2 * n * (width + 1)))
        # an array, not a list: no Python int per entry (codec.exchange slices it; messages() zips its columns)
        flat = array("I")
        flat.frombytes(ffi.buffer(self._msg, 16 * n))
        self._last = (data, DatagramIndex(data, table, width, self.fixed_len, flat), seq, pid)
        return cast("list[int]", flat)  # the scanner's signature (Exchange.receive_scanned): read as a sequence

    def messages(self, data: Buffer, k: int) -> Iterator[Message]:
        """The first *k* messages of the datagram just scanned, made one at a time as they are asked for."""
        last = self._last
        if last is None or last[0] is not data:
            raise ValueError("messages() reads the datagram of the last successful scan()")
        _data, index, seq, pid = last
        flat = index.flat
        new = _new
        i = 0
        for offset, length, mtype, flags in zip(flat[0:4 * k:4], flat[1::4], flat[2::4], flat[3::4]):
            m = new(IndexedMessage)
            m.buf = data
            m.offset = offset
            m.length = length
            m.type = mtype
            m.flags = flags
            m.seq = seq
            m.pid = pid
            m._attrs = None
            m._index = index
            m._row = i
            i += 1
            yield m
