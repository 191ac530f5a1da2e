"""Attribute lookups through an index built in C for a whole datagram (the binding's np_index).

`codec.msgindex` hands each dump datagram to np_index once; a `DatagramIndex`
keeps the result: per message, a row of a uint16 table with the offset of the
first attribute of every type.  `Message.attrs` then returns an `IndexedAttrs`,
whose lookups read that row: no dict per message, no Python pass over the TLV
headers.  np_index validates exactly what `Attrs._index` validates; a message
it could not index keeps the plain `Attrs` (whose error says where it broke).

Per message the hot path costs one small object with three fields (the
datagram's index, the row, the message's offset); the fields `Attrs` keeps
for its less used paths are filled in on first use (`IndexedAttrs.__getattr__`).
"""
from __future__ import annotations

from array import array
from typing import Any

from .attribute import Attrs
from .buffer import Buffer
from .errors import DecodeError

HDRLEN = 16  # struct nlmsghdr (codec.message imports this module)

__all__ = ["DatagramIndex", "IndexedAttrs"]




class DatagramIndex:
    """np_index's result for one datagram: a row of ``width + 1`` table entries per message.

    Message *i*'s row starts at ``row = i * stride``.  ``table[row]`` is 1 for a message that was indexed (attributes after a
    *fixed_len*-byte family header, well-formed, every type below ``width``);
    ``table[row + 1 + t]``: offset of the first attribute of type *t* from
    the message's start, 0 when absent; bit 0 set when its value has fewer
    than 4 bytes (offsets are 4-aligned: ``& ~3`` gives the offset).  ``words`` and ``dwords`` are the
    datagram as u16 and u32 (host order): attributes start 4-aligned, so an
    nla_len is ``words[off >> 1]`` and a u32 value ``dwords[(off >> 2) + 1]``,
    read without a struct tuple.  ``flat``: (offset, length, type, flags) of
    each message, as np_index split them.
    """

    __slots__ = ("data", "view", "words", "dwords", "table", "width", "stride", "skip", "fixed_len", "flat", "headers")

    def __init__(self, data: Buffer, table: array[int], width: int, fixed_len: int, flat: array[int]) -> None:
        self.data, self.table, self.width, self.fixed_len, self.flat = data, table, width, fixed_len, flat
        self.stride = width + 1
        self.skip = HDRLEN + ((fixed_len + 3) & ~3)  # from a message's start to its attributes
        self.view = view = memoryview(data)  # shared by every value slice of the datagram
        self.words = view[:len(view) & ~1].cast("H")
        self.dwords = view[:len(view) & ~3].cast("I")
        self.headers: Any = None  # codec.msgindex: (layout, every message's family header), made on first use


class IndexedAttrs(Attrs):
    """`Attrs` whose first-of-each-type offsets come from a `DatagramIndex` row (validated in C).

    Made with three fields (index, row, message offset); what `Attrs` keeps
    in its own fields is derived from them, or kept in ``_first_``/``_all_``
    once its less used paths compute it.
    """

    __slots__ = ("_ix", "_row", "_base", "_first_", "_all_")
    _ix: DatagramIndex
    _row: int
    _base: int
    _first_: dict[int, int] | None
    _all_: list[tuple[int, int, int]] | None

    @property
    def buf(self) -> Buffer:  # type: ignore[override]  # read-only here
        """The datagram."""
        return self._ix.data

    @property
    def end(self) -> int:  # type: ignore[override]  # read-only here
        """Where the message, and so its attributes, ends."""
        return self._base + self._ix.dwords[self._base >> 2]  # + nlmsg_len

    @property
    def start(self) -> int:  # type: ignore[override]  # read-only here
        """Where the attributes start (the end, for a message with none)."""
        start, end = self._base + self._ix.skip, self.end
        return start if start < end else end

    @property
    def _mv(self) -> memoryview:  # type: ignore[override]  # read-only here
        return self._ix.view

    @property
    def _first(self) -> dict[int, int] | None:
        return getattr(self, "_first_", None)

    @_first.setter
    def _first(self, v: dict[int, int] | None) -> None:
        self._first_ = v

    @property
    def _all(self) -> list[tuple[int, int, int]] | None:
        return getattr(self, "_all_", None)

    @_all.setter
    def _all(self, v: list[tuple[int, int, int]] | None) -> None:
        self._all_ = v

    def _index(self) -> dict[int, int]:
        """The base class's dict form of the row (for its less used paths: span, nested ...)."""
        tab, row, base = self._ix.table, self._row, self._base
        first = {t: base + (o & ~3) for t in range(self._ix.width) if (o := tab[row + t])}
        self._first = first
        return first

    def _entries(self) -> list[tuple[int, int, int]]:
        return self._walk()  # validated by np_index

    def __contains__(self, t: int) -> bool:
        return 0 <= t < self._ix.width and self._ix.table[self._row + t] != 0

    def offset(self, t: int) -> int | None:
        """Offset in the buffer of the nlattr header of the first attribute of type *t*."""
        ix = self._ix
        if 0 <= t < ix.width:
            o = ix.table[self._row + t]
            if o:
                return self._base + (o & ~3)
        return None

    def get(self, t: int, default: Any = None) -> Any:
        """Value bytes of the first attribute of type *t* (a memoryview), or *default*."""
        ix = self._ix
        if 0 <= t < ix.width:
            o = ix.table[self._row + t]
            if o:
                off = self._base + (o & ~3)
                return ix.view[off + 4: off + ix.words[off >> 1]]
        return default

    def _scalar(self, t: int, st: Any, default: Any) -> Any:
        ix = self._ix
        if 0 <= t < ix.width:
            o = ix.table[self._row + t]
            if o:
                off = self._base + (o & ~3)
                alen = ix.words[off >> 1]  # inside the message: np_index checked every nla_len
                if alen < st.size:
                    raise DecodeError(off, f"attribute {t} has {alen - 4} bytes, needs {st.size - 4}")
                return st.unpack_from(ix.data, off)[1]
        return default

    def u32(self, t: int, default: Any = None) -> Any:
        """The first attribute of type *t* as a host-order u32, or *default*; DecodeError if too short."""
        ix = self._ix  # _scalar inlined, and the value read as a word of the datagram: the most common lookup
        if 0 <= t < ix.width:
            o = ix.table[self._row + t]
            if o:
                off = self._base + (o & ~3)
                if o & 1:  # shorter than a u32 (np_index's mark)
                    raise DecodeError(off, f"attribute {t} has {ix.words[off >> 1] - 4} bytes, needs 4")
                return ix.dwords[(off >> 2) + 1]
        return default
