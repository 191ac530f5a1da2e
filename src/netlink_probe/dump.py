"""A dump (NLM_F_DUMP) and its answer, read once: lazily as `Message`s, or in bulk as columns.

Both ways read the datagrams through `Socket.answer` and one
`codec.exchange.Exchange`, so they validate and end a dump by the same rules;
the bulk way only swaps the per-message split for the C scanner of
`codec.columns` (falling back to messages for anything unusual).
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from . import codec
from . import constants as C
from .codec.exchange import Exchange, Kind, Outcome
from .codec.layouts import GENLMSGHDR
from .errors import DumpInterrupted, ProtocolViolation, raise_for

if TYPE_CHECKING:
    from .codec.columns import ColumnDecoder
    from .codec.layouts import Layout
    from .codec.msgindex import MessageIndexer
    from .socket import Socket

_REPLIES = Kind.REPLIES


class Dump:
    """One dump, read once: iterate it for `Message`s, or call `columns()` for bulk decoding.

    ``interrupted`` (NLM_F_DUMP_INTR seen), ``done`` (the NLMSG_DONE) and
    ``datagrams`` (the size of each) are known once it has been read to the end.
    Messages are not kept: a dump of 100k objects would pin them all in memory
    (and make Python's GC walk them); use `all()` for a list.
    """

    def __init__(self, sock: Socket, mtype: int, payload: bytes, flags: int, on_intr: str, timeout: float | None):
        if on_intr not in ("raise", "flag"):
            raise ValueError("on_intr must be 'raise' or 'flag'")
        self.sock, self.on_intr, self.mtype = sock, on_intr, mtype
        self.done: codec.ErrorInfo | None = None
        self.datagrams: list[int] = []  # size of each datagram, for dump-chunking observations
        self.seq = sock.next_seq()
        self.request = codec.encode(mtype, flags | C.NLM_F_REQUEST | C.NLM_F_DUMP, payload, self.seq, sock.port)
        self._timeout = timeout
        self._exchange: Exchange | None = None
        self._kept: list[codec.Message] | None = None  # all(): the messages a DumpInterrupted carries
        self.present: dict[str, array[int]] = {}  # columns(arrays=True): 1 where an object had the attribute
        sock.send(self.request)

    @property
    def interrupted(self) -> bool:
        """Whether a message carried NLM_F_DUMP_INTR: the table changed mid-dump, the result may be inconsistent."""
        return self._exchange is not None and self._exchange.interrupted

    def _begin(self) -> Exchange:
        if self._exchange is not None:
            raise RuntimeError("a Dump is read once: keep the list from all() (or the columns) to reuse it")
        self._exchange = ex = self.sock.exchange(self.seq, dump=True)  # the socket's state now (port, groups)
        return ex

    def __iter__(self) -> Iterator[codec.Message]:
        ex = self._begin()
        kept = self._kept
        count = 0
        indexer = self._indexer()
        receive = None
        if indexer is not None:
            scan = indexer.scan

            def receive(r: Any) -> Outcome:
                return ex.receive_scanned(r, scan)
        for r, out in self.sock.answer(ex, self._timeout, receive):
            self.datagrams.append(len(r.data))
            replies = out.replies
            count += len(replies)
            if type(replies) is range:  # the first k messages the indexer scanned: views made as they go
                assert indexer is not None
                msgs: Iterable[codec.Message] = indexer.messages(r.data, len(replies))
                if kept is not None:
                    msgs = list(msgs)
                    kept += msgs
                yield from msgs
            else:
                if kept is not None:
                    kept += replies
                yield from replies
            if out.kind is not _REPLIES:
                self._end(out, count)
                return

    def _indexer(self) -> MessageIndexer | None:
        """The C indexer for this dump's messages, when the family header's size is known."""
        from .codec.msgindex import MessageIndexer

        if self.sock.protocol == C.NETLINK_ROUTE:
            fam = codec.rtnl.family(self.mtype)
            return None if fam is None else MessageIndexer(fam[1].size)
        if self.sock.protocol == C.NETLINK_GENERIC:
            return MessageIndexer(GENLMSGHDR.size)
        return None

    def all(self) -> list[codec.Message]:
        """Every message; a DumpInterrupted raised at the end carries them all in ``messages``."""
        self._kept = []
        return list(self)

    def _end(self, out: Outcome, count: int, columns: dict[str, Any] | None = None) -> None:
        """The outcome that finished the dump: record NLMSG_DONE, raise what the dump ended with."""
        if out.end is not None and out.end.type == C.NLMSG_DONE:
            self.done = out.info
        raise_for(out, self.request)
        if self.interrupted and self.on_intr == "raise":
            raise DumpInterrupted(self._kept if self._kept is not None else count, columns)

    def columns(self, *names: str, arrays: bool = False) -> dict[str, Any]:
        """Bulk-decode the dump: {name: one value per object} for header fields and attribute names.

        Names are the family header's fields (``rtm_dst_len``) and the
        attribute names of its space (``RTA_DST``); values are typed as in
        `codec.rtnl` (absent attributes are None).  Validation is the same as
        for iteration (sequence number, port id, well-formed bytes).

        *arrays*: integer columns come as `array.array`s filled in C, without
        a Python int per cell -- header fields in their C type, unsigned
        attributes as 'Q' with 0 for an absent one; ``present[name]`` then
        holds, per object, 1 where it had the attribute.  Address columns come
        as `codec.address_column.AddressColumn`s: sequences of the same texts
        (or None), kept as raw bytes and formatted when read.  Other columns
        stay lists.
        """
        from .codec.columns import ColumnDecoder

        ex = self._begin()
        fam = codec.rtnl.family(self.mtype)
        if fam is None:
            raise ValueError(f"no bulk decoder for {C.MESSAGE_TYPES.get(self.mtype, self.mtype)} dumps")
        layout = fam[1]
        dec = ColumnDecoder(layout, fam[2], names, arrays)
        self.present = dec.present
        scan = dec.scan

        def receive(r: Any) -> Outcome:
            return ex.receive_scanned(r, scan)
        count = 0
        for r, out in self.sock.answer(ex, self._timeout, receive):
            self.datagrams.append(len(r.data))
            replies = out.replies
            if type(replies) is range:
                dec.take(r.data, len(replies))
            else:
                self._take_messages(ex, dec, replies, layout)
            count += len(replies)
            if out.kind is not _REPLIES:
                self._end(out, count, dec.columns)
                return dec.columns
        raise AssertionError("Socket.answer ends with the exchange's final outcome")

    def _take_messages(self, ex: Exchange, dec: ColumnDecoder, msgs: Sequence[codec.Message], layout: Layout) -> None:
        """Replies the scanner could not take in place (a datagram that also held stale or malformed parts)."""
        if not msgs:
            return
        data = b"".join(m.raw().ljust(codec.message.align(m.length), b"\0") for m in msgs)
        if dec.scan(data, ex.seq, ex.port) is None:  # then an attribute is malformed: the lazy codec says where
            for m in msgs:
                if m.type >= C.NLMSG_MIN_TYPE:
                    len(m.attrs(layout.size))
            raise ProtocolViolation(f"dump seq={self.seq}: datagram could not be decoded in bulk")
        dec.take(data, len(msgs))


__all__ = ["Dump"]
