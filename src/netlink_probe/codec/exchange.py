"""One request or dump in flight, as a sans-I/O state machine: whole datagrams in, verdicts out.

The socket layer reads datagrams; `Exchange.receive` says what each one is to
the request waiting for its answer (in the spirit of h11's receive_data /
next_event and mdlayher/netlink's Validate).  The rules, in order:

* a datagram from a user port (source nl_pid != 0) or from a multicast group
  (source nl_groups != 0, or a NETLINK_PKTINFO group != 0) is never a reply:
  NOT_MINE, and it is not parsed (the socket drops user ports' datagrams
  before they get here unless asked to keep them; it sets the others aside);
* a truncated datagram (MSG_TRUNC) is a VIOLATION -- unless it starts with
  an NLMSG_ERROR answering us: its errno survives the cut (ERROR, with
  ``info.truncated``); malformed bytes raise `DecodeError` from the codec;
* a message carrying our port id and the sequence number of an *earlier*
  request (one in the `SequenceBook`: a dump abandoned half-read, a request
  that timed out) is stale and skipped; a datagram of nothing else is STALE;
* a message whose sequence number or port id is anything else is a
  VIOLATION -- except on a socket that joined a group above 32 without
  NETLINK_PKTINFO, where such a multicast datagram cannot be told from a
  unicast one (its source nl_groups is 0): NOT_MINE;
* the messages that answer are REPLIES (NLMSG_NOOP is nothing and dropped);
  the answer ENDs at an ACK or NLMSG_DONE (``info``), at an errno in either
  (ERROR), or -- a request without NLM_F_ACK -- after a reply without
  NLM_F_MULTI.  Inside a dump an ACK or any other control message is a
  VIOLATION, and so is an error field the kernel cannot send (positive, or
  below -MAX_ERRNO).  NLM_F_DUMP_INTR on any message up to the end sets
  ``Exchange.interrupted``.

`Exchange.receive_scanned` is the same classification for the bulk decoder
(`codec.columns`): its C scanner recognises "every message well-formed and
ours" at once, and hands over the lowest message type and the OR of all flags
with the message table (a `Scanned`), so that a datagram of data messages is
decided without a Python int per message; anything else goes through the
per-message rules above.
"""
from __future__ import annotations

import enum
import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

from .. import constants as C
from .control import MAX_ERRNO, ErrorInfo, errno_in_range, parse_done, parse_error, parse_error_head
from .message import Message, parse

_MIN_TYPE, _NOOP, _ERROR, _DONE = C.NLMSG_MIN_TYPE, C.NLMSG_NOOP, C.NLMSG_ERROR, C.NLMSG_DONE
_INTR, _MULTI = C.NLM_F_DUMP_INTR, C.NLM_F_MULTI

#: A bulk scanner's view of one datagram: (offset, length, type, flags) of every message, flat; the lowest
#: message type; the flags of all messages OR-ed.
Scanned: TypeAlias = "tuple[Sequence[int], int, int]"


class Datagram(Protocol):
    """What the exchange needs of a received datagram (`sys.calls.Received` has it)."""

    data: bytes
    src_pid: int
    src_groups: int
    pktinfo_group: int | None
    length: int  # the datagram's true length; more than len(data) when truncated

    @property
    def truncated(self) -> bool:
        """Whether the kernel had more bytes than the buffer held (MSG_TRUNC)."""
        ...


class SequenceBook:
    """The sequence numbers a socket hands out and sends, the last *keep* of them remembered.

    A late answer to a remembered one is stale, not foreign.  Numbers are
    never 0 (multicast messages commonly carry 0) and wrap at 32 bits.
    """

    KEEP = 256

    def __init__(self, first: int = 1, keep: int = KEEP):
        self._next = first & 0xFFFFFFFF
        self.keep = keep
        self._sent: dict[int, None] = {}  # insertion-ordered: the oldest is dropped first

    def next(self) -> int:
        """A fresh sequence number (not yet remembered: `sent` does that)."""
        seq = self._next or 1
        self._next = (seq + 1) & 0xFFFFFFFF
        return seq

    def take(self, n: int) -> Sequence[int]:
        """*n* fresh sequence numbers in a row (one call for a whole batch of requests); after a wrap past
        2**32 they skip 0, as `next` does."""
        first = self._next or 1
        if first + n <= 1 << 32:
            self._next = (first + n) & 0xFFFFFFFF
            return range(first, first + n)
        return [self.next() for _ in range(n)]

    def sent(self, seq: int) -> None:
        """Remember *seq* as sent (forgetting the oldest beyond *keep*), so a late answer is known as stale."""
        sent = self._sent
        sent.pop(seq, None)
        sent[seq] = None
        if len(sent) > self.keep:
            del sent[next(iter(sent))]

    def __contains__(self, seq: object) -> bool:
        return seq in self._sent

    def __len__(self) -> int:
        return len(self._sent)


class Kind(enum.Enum):
    """What one datagram is to the exchange."""

    NOT_MINE = "not mine"  # a notification or a user port's datagram: set it aside for later
    STALE = "stale"  # nothing for this exchange (late answers to earlier requests): skip it
    REPLIES = "replies"  # messages that answer; more to come
    END = "end"  # the answer is complete (info: the ACK or NLMSG_DONE, None after a single-part reply)
    ERROR = "error"  # the kernel answered with an errno (info)
    VIOLATION = "violation"  # the datagram breaks the protocol (reason)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The verdict on one datagram.

    ``replies``: the answering messages, in order (on the bulk path a
    ``range(k)`` when they are the first k scanned messages).  ``end``: the
    control message that ended the exchange, if one did.
    """

    kind: Kind
    replies: Sequence[Any] = ()
    info: ErrorInfo | None = None
    reason: str = ""
    end: Message | None = None


NOT_MINE = Outcome(Kind.NOT_MINE)
STALE = Outcome(Kind.STALE)


def truncation(dgram: Datagram) -> str | None:
    """Why a truncated datagram cannot be read (None when it is whole)."""
    if dgram.truncated:
        return f"datagram of {dgram.length} bytes truncated to {len(dgram.data)}"
    return None


class Exchange:
    """The answer to one request (``dump=False``) or dump (``dump=True``) with sequence number *seq*.

    *port*: the requesting socket's port id, which every answer carries.
    *book*: the socket's earlier sequence numbers.  *ack*: the request asked
    for an ACK (a request without one ends after a single-part reply).
    *ambiguous*: the socket joined a group above 32 without NETLINK_PKTINFO.
    """

    def __init__(self, seq: int, port: int, book: SequenceBook | None = None, *, dump: bool = False,
                 ack: bool = True, ambiguous: bool = False):
        self.seq, self.port = seq, port
        self.book = SequenceBook() if book is None else book
        self.dump, self.ack, self.ambiguous = dump, ack, ambiguous
        self.interrupted = False  # NLM_F_DUMP_INTR seen
        self.finished = False
        self._last_flags: int | None = None  # flags of the last reply so far

    # -- the two ways in: one classification ---------------------------------------------------
    def receive(self, dgram: Datagram) -> Outcome:
        """Classify one whole datagram; the replies are `Message`s."""
        out = self._sender(dgram)
        return out if out is not None else self._messages(parse(dgram.data))

    def receive_scanned(self, dgram: Datagram, scan: Callable[[bytes, int, int], Scanned | None]) -> Outcome:
        """Classify one datagram through a bulk scanner (`ColumnDecoder.scan`).

        *scan*(data, seq, port) returns a `Scanned` when every message is
        well-formed and carries our seq and port, else None: the datagram then
        takes the per-message path of `receive`.  Replies are ``range(k)``
        (the first k scanned messages) when they are a prefix, else `Message`s.
        """
        out = self._sender(dgram)
        if out is not None:
            return out
        data = dgram.data
        scanned = scan(data, self.seq, self.port)
        if scanned is None:
            return self._messages(parse(data))
        flat, lowest, ored = scanned
        seq, port = self.seq, self.port

        def message(i: int) -> Message:
            return Message(data, flat[4 * i], flat[4 * i + 1], flat[4 * i + 2], flat[4 * i + 3], seq, port)
        return self._decide(flat[2::4], flat[3::4], message, range, lowest, ored)

    # -- the rules ---------------------------------------------------------------------------
    def _sender(self, dgram: Datagram) -> Outcome | None:
        if self.finished:
            raise RuntimeError(f"exchange seq={self.seq} has finished: start a new one")
        if dgram.src_pid or dgram.src_groups or dgram.pktinfo_group:
            return NOT_MINE  # not a unicast from the kernel
        reason = truncation(dgram)
        return None if reason is None else self._truncated(dgram.data, reason)

    def _truncated(self, data: bytes, reason: str) -> Outcome:
        """A datagram cut short: only an NLMSG_ERROR answering us at its head still says something (its errno)."""
        head = parse_error_head(data)
        if head is not None and head[:2] == (self.seq, self.port) and head[2].error:
            self.finished = True
            return self._error(head[2], (), None)
        return Outcome(Kind.VIOLATION, reason=reason)

    def _error(self, info: ErrorInfo, replies: Sequence[Any], m: Message | None) -> Outcome:
        """The answer ended with a nonzero error field: ERROR when it is an errno the kernel can send."""
        if errno_in_range(info.error):
            return Outcome(Kind.ERROR, replies, info, end=m)
        return Outcome(Kind.VIOLATION, replies, info, f"error field {info.error} of seq={self.seq} is not a "
                       f"negative errno (the kernel sends 0 or -1..-{MAX_ERRNO})", m)

    def _messages(self, msgs: list[Message]) -> Outcome:
        seq, port = self.seq, self.port
        for m in msgs:
            if m.seq != seq or m.pid != port:
                mine = self._mine(msgs)
                if isinstance(mine, Outcome):
                    return mine
                msgs = mine
                break

        def prefix(k: int) -> Sequence[Any]:
            return msgs if k == len(msgs) else msgs[:k]
        return self._decide([m.type for m in msgs], [m.flags for m in msgs], msgs.__getitem__, prefix)

    def _mine(self, msgs: list[Message]) -> list[Message] | Outcome:
        """The messages answering us, checked one by one; or what the whole datagram is."""
        seq, port = self.seq, self.port
        mine = []
        for m in msgs:
            if m.seq == seq and m.pid == port:
                mine.append(m)
            elif m.pid == port and m.seq in self.book:
                continue  # a late answer to an earlier request of ours
            elif self.ambiguous:
                return NOT_MINE  # a multicast datagram of a group above 32, indistinguishable without PKTINFO
            else:
                return Outcome(Kind.VIOLATION, reason=f"reply {m!r} does not match request seq={seq} port={port}")
        return mine

    def _decide(self, types: Sequence[int], flags: Sequence[int], message: Callable[[int], Message],
                prefix: Callable[[int], Sequence[Any]], lowest: int | None = None,
                ored: int | None = None) -> Outcome:
        """Replies and end of messages known to be ours (message i has types[i], flags[i]); *lowest* and
        *ored*: min(types) and the OR of *flags* when a scanner computed them."""
        n = len(types)
        if not n:
            return STALE
        end = None
        if (min(types) if lowest is None else lowest) >= _MIN_TYPE:  # only data messages: most of a dump
            picks = None
            if ored is None:
                ored = _or(flags)
        else:
            picks = []
            for i, t in enumerate(types):
                if t < _MIN_TYPE:
                    if t == _NOOP:
                        continue
                    if self.dump or t == _ERROR or t == _DONE:
                        end = i
                        break
                picks.append(i)
            ored = _or(flags[:n if end is None else end + 1])
        if ored & _INTR:
            self.interrupted = True
        if picks is None:
            replies, last = prefix(n), n - 1
        else:
            last = picks[-1] if picks else -1
            replies = prefix(len(picks)) if last == len(picks) - 1 else [message(i) for i in picks]
        if last >= 0:
            self._last_flags = flags[last]
        if end is not None:
            return self._end(message(end), replies)
        if not (self.dump or self.ack) and self._last_flags is not None and not self._last_flags & _MULTI:
            self.finished = True  # a request without ACK: a single-part reply is the whole answer
            return Outcome(Kind.END, replies)
        return Outcome(Kind.REPLIES, replies)

    def _end(self, m: Message, replies: Sequence[Any]) -> Outcome:
        """NLMSG_ERROR, NLMSG_DONE or (in a dump) another control message: the exchange is over."""
        self.finished = True
        t = m.type
        if t == _ERROR:
            info = parse_error(m)
            if info.error:
                return self._error(info, replies, m)
            if self.dump:
                return Outcome(Kind.VIOLATION, replies, info, f"an ACK inside dump seq={self.seq}: {m!r}", m)
            return Outcome(Kind.END, replies, info, end=m)
        if t == _DONE:
            info = parse_done(m)
            return self._error(info, replies, m) if info.error else Outcome(Kind.END, replies, info, end=m)
        return Outcome(Kind.VIOLATION, replies, reason=f"control message {m!r} inside dump seq={self.seq}", end=m)


def _or(flags: Sequence[int]) -> int:
    """The flags of every message, OR-ed (NLM_F_DUMP_INTR on any of them interrupts the dump)."""
    return functools.reduce(operator.or_, flags, 0)


__all__ = ["NOT_MINE", "STALE", "Datagram", "Exchange", "Kind", "Outcome", "Scanned", "SequenceBook", "truncation"]
