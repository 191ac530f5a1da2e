"""The address columns of `Dump.columns(arrays=True)`: raw addresses kept, formatted when read.

A column of 100k addresses as text is 100k Python strings made whether the
caller reads them or not.  An `AddressColumn` keeps each row's value bytes
in a fixed-width slot (copied in C, one call per datagram, by `np_pack_values`)
and formats on access: one row through ``inet_ntop``, or the whole column at
once in C (`tolist`, iteration) -- the same text `np_format_ip` gives list
columns, None where the attribute was absent or is not an IPv4/IPv6 address.
"""
from __future__ import annotations

import socket
from array import array
from collections.abc import Iterator, Sequence
from typing import Any, overload

from ..sys import ffi, lib

__all__ = ["AddressColumn"]

WIDTH = 16  # a slot: the longest address (IPv6)
_FAMILY = {4: socket.AF_INET, 16: socket.AF_INET6}


class AddressColumn(Sequence["str | None"]):
    """A sequence of address texts (or None), one per object, formatted when read."""

    __slots__ = ("_raw", "_lengths")

    def __init__(self) -> None:
        # Row i's value in the slot at WIDTH * (i + 1): np_format_ip reads offset 0 as "absent".
        self._raw = bytearray(WIDTH)
        self._lengths = array("I")  # the value's length per row, 0 where absent

    def extend_packed(self, slots: Any, lengths: Any, k: int) -> None:
        """Append *k* rows: *slots* WIDTH bytes each (np_pack_values' output), *lengths* a uint32 each (cffi)."""
        self._raw += ffi.buffer(slots, WIDTH * k)
        self._lengths.frombytes(ffi.buffer(lengths, 4 * k))

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
        at = WIDTH * ((i % len(self)) + 1)
        return socket.inet_ntop(family, self._raw[at:at + n])

    def tolist(self) -> list[str | None]:
        """Every row as text, formatted in C in one call."""
        k = len(self)
        if not k:
            return []
        offsets = array("I", range(WIDTH, WIDTH * (k + 1), WIDTH))
        text = ffi.new("char[]", 46 * k)
        w = lib.np_format_ip(ffi.from_buffer(self._raw), ffi.from_buffer("uint32_t[]", offsets),
                             ffi.from_buffer("uint32_t[]", self._lengths), k, text)
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
