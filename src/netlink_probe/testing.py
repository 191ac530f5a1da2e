"""An in-memory netlink peer for unit tests (in the spirit of mdlayher/netlink's nltest).

`FakeKernel` is a transport (see `netlink_probe.transport`) for an ordinary
`Socket(transport=...)`: whatever the socket sends is recorded and handed to a
*handler* that returns the datagrams "the kernel" answers with; datagrams can
also be queued by hand (notifications, foreign ports, truncated or malformed
bytes, overruns).  When the queue is empty a receive times out at once, so
tests never wait.  Its memberships and options live here, as the kernel's do.

    kernel = FakeKernel(lambda req, k: [k.reply(req, C.RTM_NEWLINK, payload), k.ack(req)])
    with kernel.socket() as sock:
        sock.request(C.RTM_GETLINK, 0, b"...")

Builders (`reply`, `ack`, `error`, `done`) make kernel-shaped messages that
answer a request message, using the codec's encoders; all take overrides
(seq, pid, flags) so a test can build a wrong answer on purpose.
"""
from __future__ import annotations

import errno as _errno
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from . import codec
from . import constants as C
from .socket import Socket
from .sys.calls import Received

_TRUNC = C.MSG_TRUNC

Handler = Callable[[codec.Message, "FakeKernel"], Iterable[Any] | None]


class FakeKernel:
    """A scripted netlink peer: records what the socket sends, answers from a queue.

    handler(request_message, kernel) is called for every message the socket
    sends to port 0 and returns an iterable of datagrams to deliver; each item
    is bytes (one datagram from the kernel: source port 0, no group), a list
    of bytes (concatenated into one datagram), a `Received` (delivered as is),
    or an exception instance (raised by the socket's receive, e.g.
    ``OSError(ENOBUFS)`` for an overrun).
    """

    def __init__(self, handler: Handler | None = None, *, port: int = 4242, protocol: int = C.NETLINK_ROUTE) -> None:
        self.handler = handler
        self.port = port
        self.protocol = protocol
        self.sent: list[bytes] = []  # every datagram the socket sent, as bytes
        self.destinations: list[tuple[int, int]] = []  # (port, groups) of each
        self.queue: deque[Received | BaseException | bytes | list[bytes]] = deque()
        self.options: dict[tuple[int, int], int] = {}  # (level, name) -> value, as set by the socket
        self.groups: set[int] = set()
        self.buffer = 0
        self.closed = False

    # -- the transport interface (netlink_probe.transport) ----------------------------------
    def fileno(self) -> int:
        """-1: there is no file descriptor."""
        return -1

    def close(self) -> None:
        """Mark it closed (``closed``), for tests of who closes what."""
        self.closed = True

    def bind(self, port: int, groups: int) -> None:
        """Take *port* (0 keeps the current one) and add the groups of the 32-bit mask *groups*."""
        if port:
            self.port = port
        self.groups |= {bit + 1 for bit in range(32) if groups >> bit & 1}

    def sockname(self) -> tuple[int, int]:
        """(port, mask of the joined groups 1..32), as the kernel reports them."""
        return self.port, sum(1 << (g - 1) for g in self.groups if g <= 32)

    def setsockopt(self, level: int, name: int, value: int) -> None:
        """Record the option in ``options``."""
        self.options[level, name] = value

    def getsockopt(self, level: int, name: int) -> int:
        """The value recorded by `setsockopt`, 0 when never set."""
        return self.options.get((level, name), 0)

    def join(self, group: int) -> None:
        """Add *group* to ``groups``; EINVAL for 0 or below, like the kernel."""
        if group <= 0:
            raise OSError(_errno.EINVAL, "invalid group")
        self.groups.add(group)

    def leave(self, group: int) -> None:
        """Drop *group* from ``groups`` (no error when not joined)."""
        self.groups.discard(group)

    def memberships(self) -> set[int]:
        """A copy of ``groups``."""
        return set(self.groups)

    def set_buffer(self, size: int) -> None:
        """Record the requested buffer size in ``buffer`` (datagrams are delivered whole regardless)."""
        self.buffer = size

    def send(self, data: bytes, port: int, groups: int) -> int:
        """Record the datagram in ``sent``; each message to port 0 goes to the handler, whose answers are queued."""
        self.sent.append(bytes(data))
        self.destinations.append((port, groups))
        if port == 0 and self.handler is not None:
            for m in codec.parse(data):
                for item in self.handler(m, self) or ():
                    self.queue.append(item)
        return len(data)

    def recv(self, timeout: float, flags: int) -> Received | None:
        """The next queued item (kept with MSG_PEEK) as a datagram, or its exception raised; None at once when
        the queue is empty (a fake never waits)."""
        if not self.queue:
            return None
        item = self.queue[0] if flags & C.MSG_PEEK else self.queue.popleft()
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, Received):
            return item
        data = b"".join(item) if isinstance(item, (list, tuple)) else bytes(item)
        return Received(data, 0, 0, 0, len(data))

    # -- making a socket ------------------------------------------------------------
    def socket(self, *, timeout: float = 0.05, **options: Any) -> Socket:
        """``Socket(self.protocol, transport=self, ...)``: a socket wired to this peer."""
        return Socket(self.protocol, transport=self, timeout=timeout, **options)

    # -- queueing datagrams by hand -------------------------------------------------
    def deliver(self, data: bytes | list[bytes], *, src_pid: int = 0, src_groups: int = 0, group: int | None = None,
                nsid: int | None = None, truncate: int | None = None) -> None:
        """Queue one datagram with the given sender and ancillary data.

        *src_pid* other than 0 makes it a user port's datagram (a `Socket`
        drops those unread unless asked: ``user_ports``).  *truncate*: deliver
        only the first N bytes and flag MSG_TRUNC, as recvmsg does when the
        datagram is larger than the buffer (the kernel transport never lets
        that happen: it peeks each datagram's length first).
        """
        data = b"".join(data) if isinstance(data, (list, tuple)) else bytes(data)
        length, flags = len(data), 0
        if truncate is not None:
            data, flags = data[:truncate], _TRUNC
        self.queue.append(Received(data, src_pid, src_groups, flags, length, pktinfo_group=group, nsid=nsid))

    def overrun(self) -> None:
        """Queue an ENOBUFS (the receive queue overflowed and messages were lost)."""
        self.queue.append(OSError(_errno.ENOBUFS, "No buffer space available"))

    def last_request(self) -> codec.Message:
        """The last message the socket sent."""
        return codec.parse(self.sent[-1])[-1]

    # -- builders (also usable as functions: FakeKernel.ack(req), ...) -----------------
    @staticmethod
    def reply(request: codec.Message, mtype: int, payload: bytes = b"", *, flags: int = 0,
              seq: int | None = None, pid: int | None = None) -> bytes:
        """A message answering *request*: its seq and port id unless overridden."""
        return codec.encode(mtype, flags, payload, request.seq if seq is None else seq,
                            request.pid if pid is None else pid)

    @staticmethod
    def ack(request: codec.Message, error: int = 0, *, msg: str | None = None, offset: int | None = None,
            capped: bool | None = None, seq: int | None = None, pid: int | None = None,
            **extack: Any) -> bytes:
        """NLMSG_ERROR for *request*: *error* is a positive errno (0 = ACK), as netlink_ack builds it.

        ACKs are capped (the kernel sets NLM_F_CAPPED on them); errors echo the
        whole request unless capped=True.  Extra keywords (cookie, policy,
        miss_type, miss_nest) go into the extended ack.
        """
        ext = codec.ExtAck(msg=msg, offset=offset, **extack)
        if capped is None:
            capped = error == 0
        return codec.encode_error(request.raw(), -abs(error), capped=capped, extack=ext, seq=seq, pid=pid)

    error = ack

    @staticmethod
    def done(request: codec.Message, error: int = 0, *, msg: str | None = None, offset: int | None = None,
             flags: int = C.NLM_F_MULTI, seq: int | None = None, pid: int | None = None,
             **extack: Any) -> bytes:
        """NLMSG_DONE ending a dump answering *request*; *error* a positive errno (0 = success)."""
        ext = codec.ExtAck(msg=msg, offset=offset, **extack)
        return codec.encode_done(request.seq if seq is None else seq, request.pid if pid is None else pid,
                                 -abs(error), extack=ext, flags=flags)


def restamp(datagram: bytes, seq: int, pid: int) -> bytes:
    """*datagram* with every message's nlmsg_seq and nlmsg_pid replaced (to replay captured bytes)."""
    out = bytearray(datagram)
    for m in codec.parse(datagram):
        out[m.offset + 8: m.offset + 16] = seq.to_bytes(4, "little") + pid.to_bytes(4, "little")
    return bytes(out)


def replay(datagrams: list[bytes]) -> Handler:
    """A handler answering any request with *datagrams* (e.g. captured ones), restamped with its seq and port."""
    def handler(request: codec.Message, kernel: FakeKernel) -> list[bytes]:
        return [restamp(d, request.seq, request.pid) for d in datagrams]
    return handler


def reply(request: codec.Message, mtype: int, payload: bytes = b"", **kw: Any) -> bytes:
    """`FakeKernel.reply` as a function: a message answering *request*."""
    return FakeKernel.reply(request, mtype, payload, **kw)


def ack(request: codec.Message, error: int = 0, **kw: Any) -> bytes:
    """`FakeKernel.ack` as a function: the NLMSG_ERROR (ACK when *error* is 0) for *request*."""
    return FakeKernel.ack(request, error, **kw)


def done(request: codec.Message, error: int = 0, **kw: Any) -> bytes:
    """`FakeKernel.done` as a function: the NLMSG_DONE ending a dump for *request*."""
    return FakeKernel.done(request, error, **kw)


__all__ = ["FakeKernel", "ack", "done", "replay", "reply", "restamp"]
