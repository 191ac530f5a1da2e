"""Attribute lookups through an index built in C for a whole datagram (`codec._fastmsg`).

`codec.msgindex` hands each dump datagram to `_fastmsg.index` once; its
`DatagramIndex` keeps, per message, the offset of the first attribute of
every type.  A dump message's `attrs()` then returns an `IndexedAttrs`, whose
`get`, `u32`, `offset`, `in` (and the `_scalar` behind `u8` ... `be32`) read
that row in C: no dict per message, no Python pass over the TLV headers, no
Python frame.  The index validates exactly what `Attrs._index` validates; a
message it could not index keeps the plain `Attrs` (whose error says where it
broke).  What `Attrs` keeps for its less used paths (``_first``, ``_all``) is
filled in on first use; ``buf``, ``start`` and ``end`` derive from the index.
"""
from __future__ import annotations

from ._fastmsg import DatagramIndex, IndexedAttrsBase
from .attribute import Attrs

__all__ = ["DatagramIndex", "IndexedAttrs"]


class IndexedAttrs(IndexedAttrsBase, Attrs):
    """`Attrs` whose first-of-each-type offsets come from a `DatagramIndex` row (validated in C)."""

    __slots__ = ()

    def _entries(self) -> list[tuple[int, int, int]]:
        return self._walk()  # validated by the index
