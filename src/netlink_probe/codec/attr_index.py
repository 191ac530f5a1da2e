"""Attribute lookups through an index built in C for a whole datagram (the binding's np_index).

`codec.msgindex` hands each dump datagram to np_index once; a `DatagramIndex`
keeps the result: per message, a row of a uint16 table with the offset of the
first attribute of every type.  `Message.attrs` then returns an `IndexedAttrs`,
whose lookups read that row: no dict per message, no Python pass over the TLV
headers.  np_index validates exactly what `Attrs._index` validates; a message
it could not index keeps the plain `Attrs` (whose error says where it broke).
"""
from __future__ import annotations

import struct
from typing import Any

from .attribute import _HDR, _LU32, Attrs
from .buffer import Buffer
from .errors import DecodeError

__all__ = ["DatagramIndex", "IndexedAttrs"]


_new: Any = object.__new__  # slots filled by hand: cheaper than an __init__ call, per message


class DatagramIndex:
    """np_index's result for one datagram: a row of ``width + 1`` table entries per message.

    ``table[row]`` is 1 for a message that was indexed (attributes after a
    *fixed_len*-byte family header, well-formed, every type below ``width``);
    ``table[row + 1 + t]``: offset of the first attribute of type *t* from
    the message's start, 0 when absent.
    """

    __slots__ = ("data", "view", "words", "table", "width", "fixed_len")

    def __init__(self, data: Buffer, table: memoryview, width: int, fixed_len: int) -> None:
        self.data, self.table, self.width, self.fixed_len = data, table, width, fixed_len
        self.view = view = memoryview(data)  # shared by every value slice of the datagram
        # u16 words: an nla_len (at an even offset: attributes are 4-aligned) read without a struct tuple
        self.words = view[:len(view) & ~1].cast("H")

    def attrs(self, row: int, offset: int, length: int) -> Attrs | None:
        """The attributes of the message at *offset* (its row starting at *row*), None when not indexed."""
        tab = self.table
        if not tab[row]:
            return None
        a = _new(IndexedAttrs)
        a.buf = self.data
        start = offset + 16 + ((self.fixed_len + 3) & ~3)
        end = a.end = offset + length
        a.start = start if start < end else end
        a._first = a._all = None
        a._mv = self.view
        a._words = self.words
        a._tab = tab
        a._row = row + 1
        a._w = self.width
        a._base = offset
        return a  # type: ignore[no-any-return]


class IndexedAttrs(Attrs):
    """`Attrs` whose first-of-each-type offsets come from a `DatagramIndex` row (validated in C)."""

    __slots__ = ("_tab", "_row", "_w", "_base", "_words")
    _words: memoryview
    _tab: memoryview
    _row: int
    _w: int
    _base: int

    def _index(self) -> dict[int, int]:
        """The base class's dict form of the row (for its less used paths: span, nested ...)."""
        tab, row, base = self._tab, self._row, self._base
        first = {t: base + o for t in range(self._w) if (o := tab[row + t])}
        self._first = first
        return first

    def _entries(self) -> list[tuple[int, int, int]]:
        return self._walk()  # validated by np_index

    def __contains__(self, t: int) -> bool:
        return 0 <= t < self._w and self._tab[self._row + t] != 0

    def offset(self, t: int) -> int | None:
        """Offset in the buffer of the nlattr header of the first attribute of type *t*."""
        if 0 <= t < self._w:
            o = self._tab[self._row + t]
            if o:
                return self._base + o
        return None

    def get(self, t: int, default: Any = None) -> Any:
        """Value bytes of the first attribute of type *t* (a memoryview), or *default*."""
        if 0 <= t < self._w:
            o = self._tab[self._row + t]
            if o:
                off = self._base + o
                return self._mv[off + 4: off + self._words[off >> 1]]  # type: ignore[index]
        return default

    def _scalar(self, t: int, st: struct.Struct, default: Any) -> Any:
        if 0 <= t < self._w:
            o = self._tab[self._row + t]
            if o:
                off = self._base + o
                try:
                    alen, v = st.unpack_from(self.buf, off)
                except struct.error:  # a short value at the very end of the buffer
                    alen, v = _HDR.unpack_from(self.buf, off)[0], None
                if alen < st.size:
                    raise DecodeError(off, f"attribute {t} has {alen - 4} bytes, needs {st.size - 4}")
                return v
        return default

    def u32(self, t: int, default: Any = None) -> Any:
        """The first attribute of type *t* as a host-order u32, or *default*; DecodeError if too short."""
        if 0 <= t < self._w:  # _scalar inlined: the most common lookup
            o = self._tab[self._row + t]
            if o:
                off = self._base + o
                try:
                    alen, v = _LU32.unpack_from(self.buf, off)
                except struct.error:
                    alen, v = _HDR.unpack_from(self.buf, off)[0], None
                if alen < 8:
                    raise DecodeError(off, f"attribute {t} has {alen - 4} bytes, needs 4")
                return v
        return default
