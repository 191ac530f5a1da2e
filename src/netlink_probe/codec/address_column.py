"""The address columns of `Dump.columns(arrays=True)`: raw addresses kept, formatted when read.

A column of 100k addresses as text is 100k Python strings made whether the
caller reads them or not.  An `AddressColumn` keeps each row's value bytes
in a fixed-width slot (copied in C by `np_pack_values`, one call per
datagram) and formats on access: one row through ``inet_ntop``, or the whole
column at once in C (`tolist`, iteration) -- the text `np_format_ip` gives
list columns, None where the attribute was absent or is not an IPv4/IPv6
address.  Slots are 4 bytes while every address is IPv4 and widen to 16 at
the first longer value: an IPv4 table costs 8 bytes a row (slot and length).
"""
from __future__ import annotations

import socket
from array import array
from collections.abc import Iterator, Sequence
from typing import Any, overload

from ..sys import ffi, lib

__all__ = ["AddressColumn"]

_FAMILY = {4: socket.AF_INET, 16: socket.AF_INET6}


class AddressColumn(Sequence["str | None"]):
    """A sequence of address texts (or None), one per object, formatted when read."""

    __slots__ = ("_raw", "_lengths", "_width", "_scratch")

    def __init__(self) -> None:
        self._width = 4
        # Row i's value in the slot at width * (i + 1): np_format_ip reads offset 0 as "absent".
        self._raw = bytearray(self._width)
        self._lengths = array("I")  # the value's length per row, 0 where absent
        self._scratch: Any = ffi.NULL

    def _slots(self, size: int) -> Any:
        if self._scratch == ffi.NULL or len(self._scratch) < size:
            self._scratch = ffi.new("uint8_t[]", size)
        return self._scratch

    def extend_scanned(self, buf: Any, off: Any, vlen: Any, k: int) -> None:
        """Append *k* rows: the values at *off* (*vlen* bytes each) in *buf* (np_scan's column, cffi pointers)."""
        out = self._slots(16 * k)
        longest = lib.np_pack_values(buf, off, vlen, k, self._width, out)
        if longest > self._width:  # an IPv6 (or longer) value: every slot to 16 bytes, this datagram again
            self._widen(16)
            lib.np_pack_values(buf, off, vlen, k, self._width, out)
        self._raw += ffi.buffer(out, self._width * k)
        self._lengths.frombytes(ffi.buffer(vlen, 4 * k))

    def _widen(self, width: int) -> None:
        old = bytes(self._raw)
        k = len(self)
        out = ffi.new("uint8_t[]", width * (k + 1))
        if k:
            lib.np_pack_values(ffi.from_buffer(old), self._offsets(), ffi.from_buffer("uint32_t[]", self._lengths), k,
                               width, out + width)
        self._raw = bytearray(ffi.buffer(out, width * (k + 1)))
        self._width = width

    def _offsets(self) -> Any:
        w = self._width
        return ffi.from_buffer("uint32_t[]", array("I", range(w, w * (len(self) + 1), w)))

    def __len__(self) -> int:
        return len(self._lengths)

    @overload
    def __getitem__(self, i: int) -> str | None: ...

    @overload
    def __getitem__(self, i: slice) -> list[str | None]: ...

    def __getitem__(self, i: int | slice) -> str | None | list[str | None]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = self._lengths[i]  # IndexError, negative indices as a list's
        family = _FAMILY.get(n)
        if family is None:
            return None
        at = self._width * ((i % len(self)) + 1)
        return socket.inet_ntop(family, self._raw[at:at + n])

    def tolist(self) -> list[str | None]:
        """Every row as text, formatted in C in one call."""
        k = len(self)
        if not k:
            return []
        text = ffi.new("char[]", 46 * k)
        w = lib.np_format_ip(ffi.from_buffer(self._raw), self._offsets(), ffi.from_buffer("uint32_t[]", self._lengths),
                             k, text)
        texts = ffi.buffer(text, w)[:-1].decode("ascii").split("\0")
        return [t or None for t in texts] if "" in texts else list(texts)

    def __iter__(self) -> Iterator[str | None]:
        return iter(self.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AddressColumn):
            return self._lengths == other._lengths and self.tolist() == other.tolist()
        return isinstance(other, list) and self.tolist() == other

    __hash__ = None  # type: ignore[assignment]  # mutable, as a list

    def __repr__(self) -> str:
        return f"AddressColumn({len(self)} rows)"
