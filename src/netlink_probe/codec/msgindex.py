"""Dump datagrams split and indexed in one C call each, for the lazy `Message` view.

`Dump` iteration classifies each datagram through `Exchange.receive_scanned`
with `MessageIndexer.scan` as the scanner (the same rules as every other
path).  `codec._fastmsg.index` splits the messages, checks their headers,
sequence number and port id, and validates each one's attributes, recording
the first offset of every attribute type in a compact table (a
`DatagramIndex`).  `MessageIndexer.messages` then hands out
`IndexedMessage`s, C views of a row of that index: their fields are read
from it on access, their `attrs()` is an `IndexedAttrs` over the row and their
`header()` is unpacked from the datagram when asked -- none of it runs a
Python frame per message.  The views hold only their index
(bytes and plain values), so they are not tracked by Python's cyclic GC.
"""
from __future__ import annotations

from collections.abc import Iterator

from . import _fastmsg
from ._fastmsg import DatagramIndex, IndexedMessageBase
from .attr_index import IndexedAttrs
from .attribute import Attrs
from .buffer import Buffer
from .errors import DecodeError
from .exchange import Scanned
from .message import Message

__all__ = ["IndexedMessage", "MessageIndexer"]


class IndexedMessage(IndexedMessageBase, Message):
    """A `Message` of a datagram `_fastmsg.index` split: ``_index`` is its `DatagramIndex`, ``_row`` its number in it.

    The same view as a `Message` (its fields read-only), with `attrs` (a row
    of the C index) and `header` (the layout's named tuple, unpacked in C) in C.
    """

    __slots__ = ()


_fastmsg.configure(IndexedMessage, IndexedAttrs, Message.attrs, Message.header, Attrs.ip, DecodeError)


class MessageIndexer:
    """Index whole datagrams whose data messages carry a *fixed_len*-byte family header (one per dump)."""

    MAX_TYPES = 128  # attribute types indexed (a message with a larger one is indexed in Python)

    def __init__(self, fixed_len: int) -> None:
        self.fixed_len = fixed_len
        self._last: tuple[Buffer, DatagramIndex] | None = None

    def scan(self, data: Buffer, seq: int, pid: int) -> Scanned | None:
        """Split and index one datagram: `codec.exchange.Scanned` ((offset, length, type, flags) of each
        message, flat; the lowest type; the flags OR-ed), all from the C index.

        None when a header is malformed or a message's seq or port id is not
        *seq*, *pid*: `codec.exchange` then classifies the datagram message by
        message (the scanner's signature of `Exchange.receive_scanned`).
        """
        index = _fastmsg.index(data, seq, pid, self.fixed_len, self.MAX_TYPES)
        if index is None:
            self._last = None
            return None
        self._last = (data, index)
        # index.flat is an array('I'): codec.exchange only slices it and reads a few items
        return index.flat, index.lowest_type, index.all_flags

    def messages(self, data: Buffer, k: int) -> Iterator[Message]:
        """The first *k* messages of the datagram just scanned, made one at a time as they are asked for."""
        last = self._last
        if last is None or last[0] is not data:
            raise ValueError("messages() reads the datagram of the last successful scan()")
        return last[1].messages(k)
