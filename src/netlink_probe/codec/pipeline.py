"""The answers to a datagram of pipelined requests, as a sans-I/O state machine: which request each one answers.

`codec.exchange.Exchange` follows one request; a `Window` follows every
request of one datagram (``netlink_probe.batch`` sends them, 512 at a
time), each with its own sequence number, and records per request index
what came back.  The rules are the exchange's, widened to many sequence
numbers:

* a datagram from a user port (source nl_pid != 0) or a multicast group is
  NOT_MINE (the socket sets it aside or drops it); a truncated one is a
  VIOLATION unless it starts with an NLMSG_ERROR answering one of ours: its
  errno survives the cut;
* a message with our port id and one of the window's sequence numbers
  answers that request: an NLMSG_ERROR of 0 is its ACK, of -errno its
  failure (kept with the extended ack), anything else an error field the
  kernel cannot send (VIOLATION); a data message is a reply to it (kept);
  a second ACK or error for one request, an NLMSG_DONE or another control
  message is a VIOLATION;
* a message with our port id and an earlier sequence number of the socket
  (the `SequenceBook`) is stale and skipped; any other is a VIOLATION (or
  NOT_MINE on a socket that cannot tell multicast from unicast: groups
  above 32 without NETLINK_PKTINFO).

The window is complete (END) when every request that asked for an ACK has
its ACK or error and, when a *barrier* is given (a request whose ACK comes
after every other answer: the kernel handles a datagram's messages in
order), the barrier's ACK has come.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import constants as C
from .control import ErrorInfo, errno_in_range, parse_error, parse_error_head
from .exchange import NOT_MINE, STALE, Datagram, Kind, Outcome, SequenceBook, truncation
from .message import Message, parse

_ERROR, _MIN_TYPE, _NOOP = C.NLMSG_ERROR, C.NLMSG_MIN_TYPE, C.NLMSG_NOOP
_REPLIES = Outcome(Kind.REPLIES)
_END = Outcome(Kind.END)


@dataclass
class Window:
    """The requests of one datagram: ``seqs[k]`` is the sequence number of request ``first + k``.

    *acked*: which of them carry NLM_F_ACK (the kernel answers the others
    only when they fail).  *barrier*: the sequence number of a last request
    with NLM_F_ACK that is not the caller's (None: no barrier).  Results:
    ``failures`` (index, ErrorInfo), ``acks`` (how many ACKs), ``replies``
    (index, Message) of data replies (NLM_F_ECHO, a doit GET).
    """

    port: int
    first: int
    seqs: Sequence[int]
    acked: list[bool]
    barrier: int | None = None
    book: SequenceBook | None = None
    ambiguous: bool = False
    failures: list[tuple[int, ErrorInfo]] = field(default_factory=list)
    replies: list[tuple[int, Message]] = field(default_factory=list)
    acks: int = 0
    _where: dict[int, int] = field(default_factory=dict, repr=False)
    _answered: set[int] = field(default_factory=set, repr=False)
    _waiting: int = 0
    _barrier_seen: bool = False

    def __post_init__(self) -> None:
        if len(self.acked) != len(self.seqs):
            raise ValueError("one acked flag per sequence number")
        self._where = {s: k for k, s in enumerate(self.seqs)}
        if len(self._where) != len(self.seqs) or self.barrier in self._where:
            raise ValueError("the window's sequence numbers must be distinct")
        self._waiting = sum(self.acked)

    @property
    def complete(self) -> bool:
        """Every awaited ACK or error (and the barrier's ACK) has come."""
        return self._waiting == 0 and (self.barrier is None or self._barrier_seen)

    def receive(self, dgram: Datagram) -> Outcome:
        """Classify one whole datagram; END once the window is complete."""
        if dgram.src_pid or dgram.src_groups or dgram.pktinfo_group:
            return NOT_MINE
        reason = truncation(dgram)
        if reason is not None:
            return self._truncated(dgram.data, reason)
        mine = False
        for m in parse(dgram.data):
            k = self._where.get(m.seq) if m.pid == self.port else None
            if k is None and m.pid == self.port and m.seq == self.barrier and self.barrier is not None:
                verdict = self._barrier(m)
            elif k is None:
                verdict = self._foreign(m)
                if verdict is NOT_MINE:
                    return NOT_MINE
            else:
                verdict = self._answer(k, m)
            if verdict is not None and verdict.kind is Kind.VIOLATION:
                return verdict
            mine = mine or verdict is None
        if self.complete:
            return _END
        return _REPLIES if mine else STALE

    # -- the rules ---------------------------------------------------------------------------
    def _answer(self, k: int, m: Message) -> Outcome | None:
        """Message *m* answers request k of the window: None, or a VIOLATION."""
        t = m.type
        if t >= _MIN_TYPE:
            self.replies.append((self.first + k, m))
            return None
        if t == _NOOP:
            return None
        if t != _ERROR:
            return Outcome(Kind.VIOLATION, reason=f"control message {m!r} answering request {self.first + k}")
        if k in self._answered:
            return Outcome(Kind.VIOLATION, reason=f"a second NLMSG_ERROR for request {self.first + k}: {m!r}")
        return self._ended(k, parse_error(m), m)

    def _ended(self, k: int, info: ErrorInfo, m: Message | None) -> Outcome | None:
        """Request k's NLMSG_ERROR: its ACK (error 0) or its failure."""
        self._answered.add(k)
        if info.error and not errno_in_range(info.error):
            return Outcome(Kind.VIOLATION, info=info, end=m,
                           reason=f"error field {info.error} for request {self.first + k} is not a negative errno")
        if info.error:
            self.failures.append((self.first + k, info))
        else:
            self.acks += 1
            if not self.acked[k]:
                return Outcome(Kind.VIOLATION, info=info, end=m,
                               reason=f"an ACK for request {self.first + k}, which did not ask for one")
        if self.acked[k]:
            self._waiting -= 1
        return None

    def _barrier(self, m: Message) -> Outcome | None:
        if m.type != _ERROR or self._barrier_seen:
            return Outcome(Kind.VIOLATION, reason=f"unexpected answer to the barrier request: {m!r}")
        info = parse_error(m)
        if info.error:  # the barrier is built to succeed: its failure leaves the window's fate unknown
            return Outcome(Kind.VIOLATION, info=info, end=m, reason=f"the barrier request failed: {info.errno_name}")
        self._barrier_seen = True
        return None

    def _foreign(self, m: Message) -> Outcome:
        """A message answering none of the window's requests."""
        if m.pid == self.port and self.book is not None and m.seq in self.book:
            return STALE  # a late answer to an earlier request of this socket
        if self.ambiguous:
            return NOT_MINE
        return Outcome(Kind.VIOLATION, reason=f"message {m!r} answers no request of this batch "
                                              f"(port {self.port}, seq {self.seqs[0] if self.seqs else '-'}..)")

    def _truncated(self, data: bytes, reason: str) -> Outcome:
        head = parse_error_head(data)
        if head is not None and head[1] == self.port and head[0] in self._where and head[2].error:
            verdict = self._ended(self._where[head[0]], head[2], None)
            if verdict is not None:
                return verdict
            return _END if self.complete else _REPLIES
        return Outcome(Kind.VIOLATION, reason=reason)


__all__ = ["Window"]
