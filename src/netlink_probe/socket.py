"""Layer 3: the netlink socket. Requests out, validated answers in, notifications aside.

`Socket` opens an AF_NETLINK socket of any protocol (optionally inside a given
network namespace) through a transport (`netlink_probe.transport`; an
in-memory one in `netlink_probe.testing`), sends requests and reads their
answers.  Which received datagram answers what is decided by the sans-I/O
`codec.exchange.Exchange` (the rules are in its docstring); this module adds
the I/O around it: timeouts (every receive has one), the backlog of datagrams
set aside for `recv`/`notifications`, and the exceptions.  Dumps are in
`netlink_probe.dump`.

Only the kernel has port 0.  Any socket in the namespace with CAP_NET_ADMIN
over it (a container's root, for one) may unicast to our port or send to
our groups, so every receive reads the sender's address: a datagram from a
user port (source nl_pid != 0) is dropped and counted (``foreign_dropped``)
before anything decodes it -- never a reply, never a notification.  A caller
that wants such datagrams asks for them (``Socket(user_ports=True)``, or
``recv``/``notifications(user_ports=True)``) and gets them raw, marked with
the sender's port (`UserDatagram`).
"""
from __future__ import annotations

import collections
import errno as _errno
import struct
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, overload

from . import codec
from . import constants as C
from . import transport as _transport
from .codec.exchange import Exchange, Kind, Outcome, SequenceBook, truncation
from .dump import Dump
from .errors import DumpInterrupted, NetlinkTimeout, Overrun, ProtocolViolation, raise_for
from .notification import Notification, UserDatagram
from .sys import calls
from .transport import DEFAULT_BUFSIZE, Transport

DEFAULT_RCVBUF = 1 << 20  # socket receive queue (SO_RCVBUF)
DEFAULT_TIMEOUT = 5.0
_SEQ = struct.Struct("=I")
_OPTIONS = {"ext_ack": C.NETLINK_EXT_ACK, "cap_ack": C.NETLINK_CAP_ACK, "strict": C.NETLINK_GET_STRICT_CHK,
            "no_enobufs": C.NETLINK_NO_ENOBUFS, "broadcast_error": C.NETLINK_BROADCAST_ERROR,
            "listen_all_nsid": C.NETLINK_LISTEN_ALL_NSID, "pktinfo": C.NETLINK_PKTINFO}
_NOT_MINE, _STALE, _REPLIES, _VIOLATION = Kind.NOT_MINE, Kind.STALE, Kind.REPLIES, Kind.VIOLATION


class Socket:
    """An AF_NETLINK socket. Use as a context manager.

    netns: None (the calling thread's namespace), a path (/proc/PID/ns/net,
    /run/netns/NAME), an open fd, or any object with a ``fd`` attribute; the
    socket is created inside it and stays there.  transport: use this one
    instead of opening a kernel socket (then *netns* and *sock_type* are unused).
    user_ports: also accept datagrams from user ports (source nl_pid != 0):
    `recv` returns them and requests set them aside for it (never taking one
    for an answer).  Off, they are dropped on arrival and counted in
    ``foreign_dropped`` (``foreign_last_port``: the latest sender's port).
    """

    BACKLOG = 4096  # at most this many set-aside datagrams are kept (the oldest go first)

    def __init__(self, protocol: int = C.NETLINK_ROUTE, *, netns: Any = None, bind: bool = True, groups: int = 0,
                 port: int = 0, rcvbuf: int = DEFAULT_RCVBUF, bufsize: int = DEFAULT_BUFSIZE,
                 timeout: float = DEFAULT_TIMEOUT, ext_ack: bool = True, cap_ack: bool = False,
                 strict: bool = False, sock_type: int = C.SOCK_RAW, transport: Transport | None = None,
                 user_ports: bool = False, **options: bool):
        self.protocol = protocol
        self.timeout = timeout
        self.user_ports = user_ports
        self.foreign_dropped = 0  # datagrams from user ports dropped unread
        self.foreign_last_port: int | None = None  # the port id of the latest of them
        self.port = 0
        self._book = SequenceBook(int(time.monotonic_ns() & 0x7FFF) * 65536 + 1)
        self._pktinfo = False  # NETLINK_PKTINFO on: datagrams tell their group
        self._high_groups = False  # joined a group above 32 (its datagrams have source nl_groups 0)
        self._backlog: collections.deque[calls.Received] | None = None  # skipped while waiting for answers
        self._transport: Transport | None = None
        if transport is None:
            transport = _transport.open_kernel_transport(protocol, sock_type, netns)
        self._transport = transport
        try:
            if rcvbuf:
                transport.setsockopt(C.SOL_SOCKET, C.SO_RCVBUF, rcvbuf)
            transport.set_buffer(max(bufsize, 32 * 1024))
            for name, on in (("ext_ack", ext_ack), ("cap_ack", cap_ack), ("strict", strict), *options.items()):
                if name not in _OPTIONS:
                    raise TypeError(f"unknown socket option {name!r}; known: {sorted(_OPTIONS)}")
                if on:
                    self.set_option(name, True)
            if bind:
                self.bind(port, groups)
        except BaseException:
            self.close()
            raise

    # -- lifecycle --------------------------------------------------------
    @property
    def fd(self) -> int:
        """The kernel socket's file descriptor (-1 once closed, or over a transport without one)."""
        t = self._transport
        return -1 if t is None else t.fileno()

    def fileno(self) -> int:
        """The transport's fd (-1 for an in-memory one): for select/poll and socket options by hand."""
        return self.fd

    def close(self) -> None:
        """Close the transport (idempotent); the socket object stays, its calls then fail as the transport's do."""
        if self._transport is not None:
            self._transport.close()

    def __enter__(self) -> "Socket":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    @property
    def transport(self) -> Transport:
        """What moves the datagrams: the kernel's socket, or a stand-in (`testing.FakeKernel`)."""
        t = self._transport
        if t is None:  # only while __init__ opens it
            raise OSError(_errno.EBADF, "the socket has no transport")
        return t

    # -- addressing and options ---------------------------------------------------------------
    def bind(self, port: int = 0, groups: int = 0) -> None:
        """bind(2) to port id *port* (0: the kernel assigns one) and the group mask *groups*; updates ``port``."""
        t = self.transport
        t.bind(port, groups)
        self.port = t.sockname()[0]

    def sockname(self) -> tuple[int, int]:
        """(port id, nl_groups as the kernel reports it: groups 1..32 only)."""
        return self.transport.sockname()

    def set_option(self, name: str, on: bool = True) -> None:
        """Turn a NETLINK_* socket option on or off by short name ('pktinfo', 'ext_ack', 'cap_ack', ...)."""
        self.transport.setsockopt(C.SOL_NETLINK, _OPTIONS[name], int(on))
        if name == "pktinfo":
            self._pktinfo = bool(on)

    def get_option(self, name: str) -> int:
        """The value of a NETLINK_* socket option by short name, as the kernel reports it."""
        return self.transport.getsockopt(C.SOL_NETLINK, _OPTIONS[name])

    # -- multicast ------------------------------------------------------------
    def join(self, group: int) -> None:
        """NETLINK_ADD_MEMBERSHIP: works for any group number, unlike bind()'s 32-bit mask.

        A datagram of a group above 32 arrives with source nl_groups 0; only
        NETLINK_PKTINFO (``set_option("pktinfo")``) tells it from a unicast
        reply, so turn it on when this socket also sends requests.
        """
        self.transport.join(group)
        if group > 32:
            self._high_groups = True

    def leave(self, group: int) -> None:
        """NETLINK_DROP_MEMBERSHIP of *group*."""
        self.transport.leave(group)

    def memberships(self) -> set[int]:
        """Every joined group (NETLINK_LIST_MEMBERSHIPS)."""
        return self.transport.memberships()

    # -- sending --------------------------------------------------------------
    def next_seq(self) -> int:
        """A fresh sequence number (never 0: multicast messages commonly carry 0)."""
        return self._book.next()

    def next_seqs(self, n: int) -> Sequence[int]:
        """*n* fresh sequence numbers in a row, for requests sent together (`batch`)."""
        return self._book.take(n)

    def send(self, data: bytes, *, port: int = 0, groups: int = 0) -> int:
        """Send raw bytes as one datagram; the first message's seq is remembered as ours.

        So a late answer to it is recognised as stale, not foreign.
        """
        if len(data) >= 12:
            self._book.sent(_SEQ.unpack_from(data, 8)[0])
        t = self.transport
        n = t.send(data, port, groups)
        if self.port == 0:  # the kernel autobound the socket on this send: learn the port replies will carry
            self.port = t.sockname()[0]
        return n

    def send_message(self, mtype: int, flags: int, payload: bytes = b"", *, seq: int | None = None,
                     port: int = 0) -> int:
        """Encode and send one message to *port* (0 = the kernel); returns the sequence number used."""
        seq = self.next_seq() if seq is None else seq
        self.send(codec.encode(mtype, flags, payload, seq, self.port), port=port)
        return seq

    # -- receiving ------------------------------------------------------------
    def recv(self, timeout: float | None = None, flags: int = 0, *, user_ports: bool | None = None
             ) -> calls.Received:
        """One datagram. Raises NetlinkTimeout, or Overrun on ENOBUFS.

        Datagrams that a request or dump skipped while waiting for its answer
        (notifications; messages from user ports on a ``user_ports`` socket)
        come first, in arrival order.  *user_ports*: accept datagrams from
        user ports in this call (default: the socket's setting); refused ones
        are dropped and counted, and the wait goes on.
        """
        accept = self.user_ports if user_ports is None else user_ports
        backlog = self._backlog
        if not flags & C.MSG_PEEK:
            while backlog:
                r = backlog.popleft()
                if accept or r.from_kernel:
                    return r
                self._drop(r)
        return self._recv_live(timeout, flags, accept)

    def _recv_live(self, timeout: float | None = None, flags: int = 0, user_ports: bool = False) -> calls.Received:
        """One datagram from the transport itself (not the backlog); user ports' dropped unless *user_ports*.

        Dropped datagrams do not extend the wait.  Past the deadline, what is
        already queued is still read (so ``timeout=0`` drains the queue),
        but at most BACKLOG more foreign datagrams: a flood cannot keep the
        call going.
        """
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        left, budget = timeout, self.BACKLOG
        t = self.transport
        while True:
            try:
                r = t.recv(left, flags)
            except OSError as e:
                if e.errno == _errno.ENOBUFS:
                    raise Overrun() from None
                raise
            if r is None:
                raise NetlinkTimeout(f"no datagram within {timeout:g} s")
            if user_ports or r.from_kernel:
                return r
            if flags & C.MSG_PEEK:  # a peeked foreign datagram would come back forever: take it off the queue
                t.recv(0, flags & ~C.MSG_PEEK)
            self._drop(r)
            left = deadline - time.monotonic()
            if left <= 0:
                left, budget = 0, budget - 1
                if budget < 0:
                    raise NetlinkTimeout(f"no datagram from the kernel within {timeout:g} s "
                                         f"({self.foreign_dropped} from user ports dropped)")

    def _drop(self, r: calls.Received) -> None:
        self.foreign_dropped += 1
        self.foreign_last_port = r.src_pid

    def recv_messages(self, timeout: float | None = None) -> tuple[calls.Received, list[codec.Message]]:
        """One datagram from the kernel split into messages (user ports' are dropped and counted, even on a
        ``user_ports`` socket: this decodes).  A truncated datagram raises ProtocolViolation."""
        r = self.recv(timeout, user_ports=False)
        reason = truncation(r)
        if reason is not None:
            raise ProtocolViolation(reason)
        return r, codec.parse(r.data)

    def _keep(self, r: calls.Received) -> None:
        if self._backlog is None:
            self._backlog = collections.deque(maxlen=self.BACKLOG)
        self._backlog.append(r)

    # -- exchanges: a request or dump and its answer ------------------------------------------
    def exchange(self, seq: int, *, dump: bool = False, ack: bool = True) -> Exchange:
        """The state machine that recognises the answer to *seq*, sent by this socket."""
        return Exchange(seq, self.port, self._book, dump=dump, ack=ack,
                        ambiguous=self._high_groups and not self._pktinfo)

    def answer(self, exchange: Exchange, timeout: float | None = None,
               receive: Callable[[calls.Received], Outcome] | None = None
               ) -> Iterator[tuple[calls.Received, Outcome]]:
        """Read datagrams for *exchange* until it finishes: (datagram, outcome) for each that answers.

        Datagrams that are not the exchange's are set aside for `recv` (and
        do not extend the wait) -- those from user ports only on a
        ``user_ports`` socket, else they are dropped and counted; stale ones are dropped; a datagram that
        breaks the protocol raises ProtocolViolation.  *timeout* bounds the
        wait for each answering datagram.  *receive*: the classifier
        (default ``exchange.receive``; `Dump.columns` passes its bulk path).
        The consumer acts on the final outcome (see `errors.raise_for`).
        """
        receive = exchange.receive if receive is None else receive
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise NetlinkTimeout()
                r = self._recv_live(left, 0, self.user_ports)
            except NetlinkTimeout:
                raise NetlinkTimeout(f"no reply to seq {exchange.seq} within {wait:g} s") from None
            out = receive(r)
            kind = out.kind
            if kind is _NOT_MINE:
                self._keep(r)
            elif kind is _STALE:
                continue
            elif kind is _VIOLATION and out.end is None:
                raise ProtocolViolation(out.reason)  # the datagram itself is wrong, not the answer's end
            else:
                deadline = time.monotonic() + wait
                yield r, out
                if kind is not _REPLIES:
                    return

    def request(self, mtype: int, flags: int = 0, payload: bytes = b"", *, ack: bool = True,
                timeout: float | None = None) -> list[codec.Message]:
        """Send one request and return its replies (without the final ACK).

        Raises KernelError when the kernel answers with an error (NLMSG_ERROR,
        or the NLMSG_DONE of a multi-part answer).  With ack=True NLM_F_ACK is
        set and the call returns once the ACK arrives; with ack=False it returns
        after the first reply that is not multi-part, or at NLMSG_DONE.  A
        reply flagged NLM_F_DUMP_INTR raises DumpInterrupted at the end (use
        `dump` to choose on_intr="flag").
        """
        flags |= C.NLM_F_REQUEST | (C.NLM_F_ACK if ack else 0)
        seq = self.next_seq()
        request = codec.encode(mtype, flags, payload, seq, self.port)
        self.send(request)
        ex = self.exchange(seq, ack=ack)
        out: list[codec.Message] = []
        for _, o in self.answer(ex, timeout):
            out += o.replies
            if o.kind is not _REPLIES:
                raise_for(o, request)
                break
        if ex.interrupted:  # a multi-part answer read with request(): DUMP_INTR is never dropped
            raise DumpInterrupted(out)
        return out

    def dump(self, mtype: int, payload: bytes = b"", flags: int = 0, *, on_intr: str = "raise",
             timeout: float | None = None) -> Dump:
        """Start a dump (NLM_F_DUMP); iterate the result for its messages.

        on_intr: "raise" raises DumpInterrupted after the last message if any
        part carried NLM_F_DUMP_INTR; "flag" only sets ``Dump.interrupted``.
        *timeout* bounds the wait for each datagram of the dump.
        """
        return Dump(self, mtype, payload, flags, on_intr, timeout)

    @overload
    def notifications(self, timeout: float | None = None, *, yield_overruns: Literal[False],
                      user_ports: Literal[False] = False) -> Iterator[Notification]: ...
    @overload
    def notifications(self, timeout: float | None = None, *, yield_overruns: bool = True,
                      user_ports: Literal[False] = False) -> Iterator[Notification | Overrun]: ...
    @overload
    def notifications(self, timeout: float | None = None, *, yield_overruns: bool = True,
                      user_ports: bool) -> Iterator[Notification | Overrun | UserDatagram]: ...

    def notifications(self, timeout: float | None = None, *, yield_overruns: bool = True, user_ports: bool = False
                      ) -> Iterator[Notification | Overrun | UserDatagram]:
        """Multicast messages from the kernel as `Notification`s (turn the pktinfo option on to learn groups > 32).

        Stops after *timeout* seconds without a datagram (None = the socket's).
        An ENOBUFS overrun yields an `Overrun` instance (the socket stays
        usable) instead of raising.  Datagrams from user ports are dropped and
        counted (``foreign_dropped``); with *user_ports* they are yielded as
        `UserDatagram`s instead: raw bytes, never decoded.
        """
        while True:
            try:
                r = self.recv(timeout, user_ports=user_ports)
            except NetlinkTimeout:
                return
            except Overrun as o:
                if not yield_overruns:
                    raise
                yield o
                continue
            if not r.from_kernel:
                yield UserDatagram(r.data, r.src_pid, r.src_groups, r.pktinfo_group, r.length)
                continue
            reason = truncation(r)
            if reason is not None:
                raise ProtocolViolation(reason)
            for m in codec.parse(r.data):
                yield Notification(m, r.pktinfo_group, r.src_groups, r.nsid, r.src_pid)


__all__ = ["DEFAULT_BUFSIZE", "DEFAULT_RCVBUF", "DEFAULT_TIMEOUT", "Dump", "Notification", "Socket", "UserDatagram"]
