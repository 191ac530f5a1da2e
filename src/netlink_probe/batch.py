"""Bulk changes: many requests pipelined per datagram, every failure reported at its request's index.

    from netlink_probe.batch import ERRORS, run_batch
    result = run_batch(sock, (rtnl.route(f"10.0.{i >> 8}.{i & 255}", 32, oif=2) for i in range(n)))
    for f in result.failures:          # the others have landed
        print(f.index, f.error.errno_name, f.error.extack_msg)

`run_batch` takes any iterable of requests (`rtnl.Request`, or (type, flags,
payload) tuples), gives each its own sequence number, and sends them up to
*per_datagram* at a time in one datagram.  The caller chooses the acks:

* ``acks=ERRORS`` (the default, the fast one): no NLM_F_ACK on the requests
  -- the kernel answers only those that fail -- and each datagram ends with
  a *barrier*: an NLMSG_NOOP with NLM_F_ACK, which netlink_rcv_skb
  acknowledges after handling every message before it in the datagram.  Its
  ACK says the datagram is done, so the last datagram's barrier is the final
  barrier of the batch;
* ``acks=EACH``: NLM_F_ACK on every request; each datagram is done when
  each of its requests has its ACK or error (slower: one ACK datagram per
  request).

Each datagram's answers are read before the next is sent, so at most one
datagram's worth of answers is ever queued, and a datagram holds no more
requests than the socket's receive queue can answer (`ANSWER_COST` each,
a margin over the ~830 bytes measured, plus the request an error echoes): the queue cannot overflow and
lose an error, however many requests fail (a guest with the default
net.core.rmem_max grants 416 KiB: 512 ACKs did not fit).  The answers are
matched by `codec.pipeline.Window` (only port 0 is the kernel; our port id
and the request's sequence number, or the datagram is refused); datagrams
that are not answers (notifications) are set aside for `Socket.recv` as for
any request.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
import struct
from dataclasses import dataclass, field
from typing import Any

from . import constants as C
from .codec.exchange import Kind
from .codec.message import HDRLEN, Message, encode
from .codec.pipeline import Window
from .errors import KernelError, NetlinkError, ProtocolViolation
from .socket import Socket

EACH = "each"  # NLM_F_ACK on every request
ERRORS = "errors"  # acks only for failures, one barrier per datagram
PER_DATAGRAM = 512  # requests per datagram (the kernel handles a datagram in one sendmsg)
_NLMSGHDR = struct.Struct("=IHHII")  # nlmsg_len, type, flags, seq, pid
MAX_DATAGRAM = 64 * 1024  # bytes per datagram, well below the default socket send buffer (net.core.wmem_default)
# receive queue an answer may take (skb truesize, measured ~830 bytes for a small one) on top of the request it
# echoes when it is an error: a datagram's answers must fit the queue, or the kernel drops them (ENOBUFS)
ANSWER_COST = 1024


@dataclass(frozen=True)
class Failure:
    """Request *index* (0-based, in the order given) failed: *error* carries its errno and extended ack."""

    index: int
    error: KernelError


class BatchFailed(NetlinkError):
    """Some requests of a batch failed (`BatchResult.check`); ``failures`` lists them by index."""

    def __init__(self, failures: list[Failure], sent: int) -> None:
        first = failures[0]
        super().__init__(f"{len(failures)} of {sent} requests failed; the first, #{first.index}: {first.error}")
        self.failures = failures
        self.sent = sent


@dataclass
class BatchResult:
    """What a batch did: ``sent`` requests, ``acks`` ACKs received, the ``failures`` (by index, ascending), the
    data ``replies`` (index, Message) and ``datagrams`` sent."""

    sent: int = 0
    acks: int = 0
    datagrams: int = 0
    failures: list[Failure] = field(default_factory=list)
    replies: list[tuple[int, Message]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No request failed."""
        return not self.failures

    def check(self) -> "BatchResult":
        """Raise BatchFailed when any request failed; else return self."""
        if self.failures:
            raise BatchFailed(self.failures, self.sent)
        return self


def run_batch(sock: Socket, requests: Iterable[Any], *, acks: str = ERRORS, per_datagram: int = PER_DATAGRAM,
              max_datagram: int = MAX_DATAGRAM, timeout: float | None = None) -> BatchResult:
    """Send *requests* pipelined on *sock*; a `BatchResult` (call ``.check()`` to raise on failures).

    *acks*: `ERRORS` (answers for failures only, a barrier per datagram) or
    `EACH` (NLM_F_ACK on every request).  NLM_F_REQUEST is added; NLM_F_ACK
    is set or cleared as *acks* says.  Requests are sent *per_datagram* (or
    *max_datagram* bytes) at a time; *timeout* bounds the wait for each
    answering datagram (default: the socket's).  A dump request
    (NLM_F_DUMP) is refused with ValueError: its answer is many parts.
    Raises ProtocolViolation for answers that break the protocol,
    NetlinkTimeout when the kernel stops answering (the requests sent so
    far may have landed).
    """
    if acks not in (EACH, ERRORS):
        raise ValueError(f"acks must be {EACH!r} or {ERRORS!r}, not {acks!r}")
    if per_datagram < 1:
        raise ValueError("per_datagram must be at least 1")
    return _Pipeline(sock, acks == EACH, per_datagram, max_datagram, timeout).run(requests)


class _Pipeline:
    """The sending loop of `run_batch`: fills a datagram, sends it, reads its answers."""

    def __init__(self, sock: Socket, each: bool, per_datagram: int, max_datagram: int, timeout: float | None):
        self.sock, self.each, self.timeout = sock, each, timeout
        self.per_datagram, self.max_datagram = per_datagram, max_datagram
        self.result = BatchResult()

    def run(self, requests: Iterable[Any]) -> BatchResult:
        sock, each = self.sock, self.each
        set_flags = C.NLM_F_REQUEST | (C.NLM_F_ACK if each else 0)
        keep = ~(0 if each else C.NLM_F_ACK)
        dump, per, cap = C.NLM_F_DUMP, self.per_datagram, self.max_datagram
        room = sock.transport.getsockopt(C.SOL_SOCKET, C.SO_RCVBUF) or 1 << 62  # as the kernel counts it
        pack, port, cost = _NLMSGHDR.pack, sock.port, ANSWER_COST
        parts: list[bytes] = []  # header, payload (padded) of each request: codec.encode's layout, inlined
        pool = sock.next_seqs(per)  # the datagram's sequence numbers, taken at once (unused ones are never sent)
        count, size, first, index = 0, 0, 0, -1
        for index, req in enumerate(requests):  # the hot loop: ~1 µs a request
            mtype, flags, payload = req if type(req) is tuple else (req.type, req.flags, req.payload)
            if flags & dump == dump:
                raise ValueError(f"request #{index} is a dump (NLM_F_DUMP): dumps cannot be batched")
            length = HDRLEN + len(payload)
            padded = (length + 3) & ~3
            # full: by count, by bytes, or by what the answers may take of the receive buffer (ANSWER_COST each)
            if count and (count >= per or size + padded > cap or size + padded + cost * (count + 1) > room):
                self._flush(first, parts, pool[:count])
                parts, count, size, first = [], 0, 0, index
                pool = sock.next_seqs(per)
            parts.append(pack(length, mtype, (flags & keep) | set_flags, pool[count], port))
            parts.append(payload if padded == length else bytes(payload) + b"\0" * (padded - length))
            count += 1
            size += padded
        if count:
            self._flush(first, parts, pool[:count])
        self.result.failures.sort(key=lambda f: f.index)
        return self.result

    def _flush(self, first: int, parts: list[bytes], seqs: Sequence[int]) -> None:
        """Send one datagram (with its barrier when acks are for errors only) and read all its answers."""
        sock, res = self.sock, self.result
        barrier = None
        tail: list[bytes] = []
        if not self.each:
            barrier = sock.next_seq()
            tail.append(encode(C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK, b"", barrier, sock.port))
        sock.send(b"".join(parts + tail))
        res.sent += len(seqs)
        res.datagrams += 1
        win = sock.exchange(seqs[0])  # socket state (port, groups) for the window; the exchange names the wait
        window = Window(sock.port, first, seqs, [self.each] * len(seqs), barrier, win.book, win.ambiguous)
        for _r, out in sock.answer(win, self.timeout, window.receive):
            if out.kind is Kind.VIOLATION:
                raise ProtocolViolation(out.reason, out.info)
        res.acks += window.acks
        res.replies += window.replies
        for index, info in window.failures:
            k = 2 * (index - first)  # the request's bytes, for the error
            res.failures.append(Failure(index, KernelError(-info.error, info, parts[k] + parts[k + 1])))


__all__ = ["ANSWER_COST", "EACH", "ERRORS", "MAX_DATAGRAM", "PER_DATAGRAM", "BatchFailed", "BatchResult", "Failure", "run_batch"]
