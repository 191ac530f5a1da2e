"""Dump datagrams split and indexed in one C call each, for the lazy `Message` view.

`Dump` iteration classifies each datagram through `Exchange.receive_scanned`
with `MessageIndexer.scan` as the scanner (the same rules as every other
path).  The binding's np_index splits the messages, checks their headers,
sequence number and port id, and validates each one's attributes, recording
the first offset of every attribute type in a compact table
(`codec.attr_index`).  `MessageIndexer.messages` then hands out `Message`s that
carry that index: their `attrs()` needs no Python pass over the TLVs and no
dict.  Built one at a time, they leave little for Python's cyclic GC to walk.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..sys import ffi, lib
from .attr_index import DatagramIndex
from .buffer import Buffer
from .message import HDRLEN, Message

__all__ = ["MessageIndexer"]

_new: Any = object.__new__  # Message slots filled by hand: a third of the cost of its __init__


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
        self._last: tuple[Buffer, list[int], DatagramIndex, int, int] | None = None

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
        table = memoryview(ffi.buffer(self._tab, 2 * n * (width + 1))[:]).cast("H")
        flat: list[int] = ffi.unpack(self._msg, 4 * n)
        self._last = (data, flat, DatagramIndex(data, table, width, self.fixed_len), seq, pid)
        return flat

    def messages(self, data: Buffer, k: int) -> Iterator[Message]:
        """The first *k* messages of the datagram just scanned, made one at a time as they are asked for."""
        last = self._last
        if last is None or last[0] is not data:
            raise ValueError("messages() reads the datagram of the last successful scan()")
        _data, flat, index, seq, pid = last
        stride = index.width + 1
        new = _new
        for i in range(k):
            j = 4 * i
            m = new(Message)
            m.buf = data
            m.offset = flat[j]
            m.length = flat[j + 1]
            m.type = flat[j + 2]
            m.flags = flat[j + 3]
            m.seq = seq
            m.pid = pid
            m._attrs = None
            m._index = index
            m._row = i * stride
            yield m
