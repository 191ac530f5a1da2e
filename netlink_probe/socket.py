"""Layer 3: the netlink socket. I/O around the codec, with every reply validated.

`Socket` opens an AF_NETLINK socket of any protocol (optionally inside a given
network namespace), sends requests, and checks that each reply comes from the
kernel (source port 0, unicast), carries our sequence number and port id, and
is well-formed.  Every receive has a timeout.

Reply validation, in order, for each datagram read while a request or dump
waits for its answer:

* a datagram from a user port (source nl_pid != 0) or from a multicast group
  (source nl_groups != 0, or a NETLINK_PKTINFO group != 0) is never a reply:
  it is set aside, and `recv`/`notifications` hand it out later;
* a message carrying our port id and the sequence number of an *earlier*
  request of this socket (a dump abandoned half-read, a request that timed
  out) is stale: it is skipped;
* a message whose sequence number or port id is anything else raises
  `ProtocolViolation` -- except on a socket that joined a group above 32
  without NETLINK_PKTINFO, where such a multicast datagram cannot be told
  from a unicast one (its source nl_groups is 0) and is skipped;
* a truncated datagram raises `ProtocolViolation`; malformed bytes raise
  `DecodeError`.

`Socket.from_transport` builds a socket over an in-memory transport instead
of a kernel socket (see `netlink_probe.testing`), for unit tests of this logic.
"""
from __future__ import annotations

import collections
import errno as _errno
import itertools
import math
import struct
import time
from dataclasses import dataclass

from . import codec
from . import constants as C
from .errors import DumpInterrupted, KernelError, NetlinkTimeout, Overrun, ProtocolViolation
from .sys import calls

DEFAULT_RCVBUF = 1 << 20  # socket receive queue (SO_RCVBUF)
DEFAULT_BUFSIZE = 64 * 1024  # userspace buffer per recvmsg: dump datagrams stay below ~32 KiB
DEFAULT_TIMEOUT = 5.0
_SEQ = struct.Struct("=I")
_OPTIONS = {"ext_ack": C.NETLINK_EXT_ACK, "cap_ack": C.NETLINK_CAP_ACK, "strict": C.NETLINK_GET_STRICT_CHK,
            "no_enobufs": C.NETLINK_NO_ENOBUFS, "broadcast_error": C.NETLINK_BROADCAST_ERROR,
            "listen_all_nsid": C.NETLINK_LISTEN_ALL_NSID, "pktinfo": C.NETLINK_PKTINFO}


@dataclass
class Notification:
    """A multicast message with where it came from."""

    message: codec.Message
    group: int | None  # from NETLINK_PKTINFO (the only source for groups above 32)
    src_groups: int  # sockaddr nl_groups: the group bit for groups 1..32, 0 above
    nsid: int | None  # LISTEN_ALL_NSID cmsg: the id of the namespace it came from; None when the kernel sent none
    #                   (netlink_cmsg_listen_all_nsid: only when that namespace has an id here, so usually not local)
    src_pid: int


class Socket:
    """An AF_NETLINK socket. Use as a context manager.

    ``Socket.taps``: callables called as tap(protocol, Received) for every
    datagram any socket receives (the conformance suite feeds its decode
    oracle this way); a tap must not raise.

    netns: None (the calling thread's namespace), a path (/proc/PID/ns/net,
    /run/netns/NAME), an open fd, or any object with a ``fd`` attribute; the
    socket is created inside it and stays there.
    """

    taps: list = []

    # Per-instance state with class-level defaults (shared by __init__ and from_transport).
    _transport = None
    _pktinfo = False  # NETLINK_PKTINFO on: datagrams tell their group
    _high_groups = False  # joined a group above 32 (its datagrams have source nl_groups 0)
    _backlog = None  # deque of datagrams skipped while waiting for a reply, handed out by recv() first
    BACKLOG = 4096  # at most this many are kept (the oldest go first)
    _STALE_KEEP = 256  # how many earlier sequence numbers are remembered as ours

    def __init__(self, protocol: int = C.NETLINK_ROUTE, *, netns=None, bind: bool = True, groups: int = 0,
                 port: int = 0, rcvbuf: int = DEFAULT_RCVBUF, bufsize: int = DEFAULT_BUFSIZE,
                 timeout: float = DEFAULT_TIMEOUT, ext_ack: bool = True, cap_ack: bool = False,
                 strict: bool = False, sock_type: int = C.SOCK_RAW, **options: bool):
        self.protocol = protocol
        self.timeout = timeout
        self._seq = itertools.count(int(time.monotonic_ns() & 0x7FFF) * 65536 + 1)
        self._earlier: dict[int, None] = {}  # sequence numbers this socket sent (insertion-ordered, bounded)
        self.fd = -1
        self.fd = _open_in(netns, sock_type | C.SOCK_CLOEXEC, protocol)
        try:
            if rcvbuf:
                calls.setsockopt_int(self.fd, C.SOL_SOCKET, C.SO_RCVBUF, rcvbuf)
            self._rx = calls.Receiver(self.fd, max(bufsize, 32 * 1024))
            for name, on in (("ext_ack", ext_ack), ("cap_ack", cap_ack), ("strict", strict), *options.items()):
                if name not in _OPTIONS:
                    raise TypeError(f"unknown socket option {name!r}; known: {sorted(_OPTIONS)}")
                if on:
                    self.set_option(name, True)
            self.port = 0
            if bind:
                self.bind(port, groups)
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_transport(cls, transport, protocol: int = C.NETLINK_ROUTE, *, port: int = 4242,
                       timeout: float = DEFAULT_TIMEOUT) -> "Socket":
        """A Socket whose datagrams go through *transport* instead of a kernel socket.

        *transport* needs ``send(data, port, groups) -> int`` and ``recv(timeout,
        flags) -> calls.Received | None`` (None: nothing arrived within the
        timeout; raising OSError(ENOBUFS) stands for an overrun).  If it has
        ``attach(sock)`` it is called once with the new socket.  Options and
        memberships are kept on the socket (``sock.options``, ``memberships()``).
        See `netlink_probe.testing.FakeKernel`.
        """
        sock = object.__new__(_TransportSocket)
        sock.protocol, sock.timeout, sock.port = protocol, timeout, port
        sock._seq = itertools.count(1)
        sock._earlier = {}
        sock.fd = -1
        sock._transport = transport
        sock.options = {}
        sock._groups = set()
        sock._bound_groups = 0
        if hasattr(transport, "attach"):
            transport.attach(sock)
        return sock

    # -- lifecycle --------------------------------------------------------
    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            calls.close(fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def fileno(self) -> int:
        return self.fd

    # -- addressing ---------------------------------------------------------
    def bind(self, port: int = 0, groups: int = 0) -> None:
        calls.bind(self.fd, port, groups)
        self.port = calls.getsockname(self.fd)[0]

    def sockname(self) -> tuple[int, int]:
        """(port id, nl_groups as the kernel reports it: groups 1..32 only)."""
        return calls.getsockname(self.fd)

    def set_option(self, name: str, on: bool = True) -> None:
        calls.setsockopt_int(self.fd, C.SOL_NETLINK, _OPTIONS[name], int(on))
        if name == "pktinfo":
            self._pktinfo = bool(on)

    def get_option(self, name: str) -> int:
        return calls.getsockopt_int(self.fd, C.SOL_NETLINK, _OPTIONS[name])

    # -- multicast ------------------------------------------------------------
    def join(self, group: int) -> None:
        """NETLINK_ADD_MEMBERSHIP: works for any group number, unlike bind()'s 32-bit mask.

        A datagram of a group above 32 arrives with source nl_groups 0; only
        NETLINK_PKTINFO (``set_option("pktinfo")``) tells it from a unicast
        reply, so turn it on when this socket also sends requests.
        """
        calls.setsockopt_int(self.fd, C.SOL_NETLINK, C.NETLINK_ADD_MEMBERSHIP, group)
        if group > 32:
            self._high_groups = True

    def leave(self, group: int) -> None:
        calls.setsockopt_int(self.fd, C.SOL_NETLINK, C.NETLINK_DROP_MEMBERSHIP, group)

    def memberships(self) -> set[int]:
        """Every joined group, from NETLINK_LIST_MEMBERSHIPS (grows the buffer to the kernel's length)."""
        size = 4
        while True:
            data, needed = calls.getsockopt_bytes(self.fd, C.SOL_NETLINK, C.NETLINK_LIST_MEMBERSHIPS, size)
            if needed <= size:
                break
            size = needed
        groups = set()
        for i, (word,) in enumerate(struct.iter_unpack("=I", data[: len(data) // 4 * 4])):
            for bit in range(32):
                if word >> bit & 1:
                    groups.add(i * 32 + bit + 1)
        return groups

    # -- sending --------------------------------------------------------------
    def next_seq(self) -> int:
        """A fresh sequence number (never 0: multicast messages commonly carry 0)."""
        seq = next(self._seq) & 0xFFFFFFFF
        return seq or (next(self._seq) & 0xFFFFFFFF)

    def send(self, data: bytes, *, port: int = 0, groups: int = 0) -> int:
        """Send raw bytes as one datagram; the first message's seq is remembered as ours (see _sent)."""
        if len(data) >= 12:
            self._sent(_SEQ.unpack_from(data, 8)[0])
        n = calls.sendto(self.fd, data, port, groups)
        if self.port == 0:  # the kernel autobound the socket on this send: learn the port replies will carry
            self.port = calls.getsockname(self.fd)[0]
        return n

    def _sent(self, seq: int) -> None:
        """Remember *seq* as ours, so late replies to it are recognised as stale, not foreign."""
        earlier = self._earlier
        earlier[seq] = None
        if len(earlier) > self._STALE_KEEP:
            del earlier[next(iter(earlier))]

    def send_message(self, mtype: int, flags: int, payload: bytes = b"", *, seq: int | None = None,
                     port: int = 0) -> int:
        """Encode and send one message to *port* (0 = the kernel); returns the sequence number used."""
        seq = self.next_seq() if seq is None else seq
        self._sent(seq)
        self.send(codec.encode(mtype, flags, payload, seq, self.port), port=port)
        return seq

    # -- receiving ------------------------------------------------------------
    def recv(self, timeout: float | None = None, flags: int = 0) -> calls.Received:
        """One datagram. Raises NetlinkTimeout, or Overrun on ENOBUFS.

        Datagrams that a request or dump skipped while waiting for its answer
        (notifications, messages from user ports) come first, in arrival order.
        """
        backlog = self._backlog
        if backlog and not flags & C.MSG_PEEK:
            return backlog.popleft()
        return self._recv_live(timeout, flags)

    def _recv_live(self, timeout: float | None = None, flags: int = 0) -> calls.Received:
        """One datagram from the socket itself (not the backlog); the taps see it."""
        r = self._recv_datagram(self.timeout if timeout is None else timeout, flags)
        if self._transport is None or getattr(self._transport, "feeds_taps", False):  # fakes only on request
            for tap in Socket.taps:
                tap(self.protocol, r)
        return r

    def _recv_datagram(self, timeout: float, flags: int) -> calls.Received:
        """poll() then a non-blocking recvmsg(): never blocks past *timeout*."""
        deadline = time.monotonic() + timeout
        left = timeout
        while True:
            if not calls.poll_in(self.fd, max(0, math.ceil(left * 1000))):
                raise NetlinkTimeout(f"no datagram within {timeout:g} s")
            try:
                return self._rx.recv(flags | C.MSG_DONTWAIT)
            except OSError as e:
                if e.errno == _errno.ENOBUFS:
                    raise Overrun() from None
                if e.errno not in (_errno.EAGAIN, _errno.EINTR) or flags & C.MSG_DONTWAIT:
                    raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise NetlinkTimeout(f"no datagram within {timeout:g} s")

    def recv_messages(self, timeout: float | None = None, *, _live: bool = False
                      ) -> tuple[calls.Received, list[codec.Message]]:
        """One datagram split into messages. A truncated datagram raises ProtocolViolation."""
        r = self._recv_live(timeout) if _live else self.recv(timeout)
        if r.truncated:
            raise ProtocolViolation(f"datagram of {r.length} bytes truncated to {len(r.data)}")
        return r, codec.parse(r.data)

    def _reply_datagrams(self, seq: int, timeout: float | None):
        """(Received, messages) that answer *seq*, validated (see the module docstring).

        *timeout* bounds the wait for each datagram of the answer; datagrams
        that are skipped do not extend it.
        """
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        port = self.port
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise NetlinkTimeout(f"no reply to seq {seq} within {wait:g} s")
            try:
                r, msgs = self.recv_messages(left, _live=True)
            except NetlinkTimeout:
                raise NetlinkTimeout(f"no reply to seq {seq} within {wait:g} s") from None
            if r.src_pid != 0 or r.src_groups != 0 or r.pktinfo_group:
                self._keep(r)  # not a unicast from the kernel: a notification or a user port
                continue
            if self.port != port:
                port = self.port
            mine = self._answers(r, msgs, seq, port)
            if mine:
                deadline = time.monotonic() + wait
                yield r, mine

    def _answers(self, r: calls.Received, msgs: list[codec.Message], seq: int, port: int):
        """The messages of a kernel unicast datagram that answer *seq*; [] or None when none do."""
        mine = []
        for m in msgs:
            if m.seq == seq and m.pid == port:
                mine.append(m)
            elif m.pid == port and m.seq in self._earlier:
                continue  # a late answer to an earlier request of ours
            elif self._high_groups and not self._pktinfo:
                self._keep(r)  # a multicast datagram of a group above 32, indistinguishable without PKTINFO
                return None
            else:
                raise ProtocolViolation(f"reply {m!r} does not match request seq={seq} port={port}")
        return mine

    def _keep(self, r: calls.Received) -> None:
        if self._backlog is None:
            self._backlog = collections.deque(maxlen=self.BACKLOG)
        self._backlog.append(r)

    def _replies(self, seq: int, timeout: float | None):
        """Messages that answer *seq*, validated; multicast and user-port datagrams are skipped."""
        for _, msgs in self._reply_datagrams(seq, timeout):
            yield msgs

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
        self._sent(seq)
        request = codec.encode(mtype, flags, payload, seq, self.port)
        self.send(request)
        out: list[codec.Message] = []
        intr = False
        for msgs in self._replies(seq, timeout):
            for m in msgs:
                t = m.type
                if m.flags & C.NLM_F_DUMP_INTR:
                    intr = True
                if t == C.NLMSG_ERROR:
                    info = codec.parse_error(m)
                    if info.error:
                        raise KernelError(-info.error, info, request)
                    break
                if t == C.NLMSG_DONE:
                    info = codec.parse_done(m)
                    if info.error:
                        raise KernelError(-info.error, info, request)
                    break
                if t == C.NLMSG_NOOP:
                    continue
                out.append(m)
            else:
                if ack or not out or out[-1].flags & C.NLM_F_MULTI:
                    continue
            if intr:  # a multi-part answer read with request(): DUMP_INTR is never dropped
                raise DumpInterrupted(out)
            return out

    def dump(self, mtype: int, payload: bytes = b"", flags: int = 0, *, on_intr: str = "raise",
             timeout: float | None = None) -> "Dump":
        """Start a dump (NLM_F_DUMP); iterate the result for its messages.

        on_intr: "raise" raises DumpInterrupted after the last message if any
        part carried NLM_F_DUMP_INTR; "flag" only sets ``Dump.interrupted``.
        *timeout* bounds the wait for each datagram of the dump.
        """
        return Dump(self, mtype, payload, flags, on_intr, timeout)

    def notifications(self, timeout: float | None = None, *, yield_overruns: bool = True):
        """Multicast messages as `Notification`s (turn the pktinfo option on to learn groups > 32).

        Stops after *timeout* seconds without a datagram (None = the socket's).
        An ENOBUFS overrun yields an `Overrun` instance (the socket stays
        usable) instead of raising.
        """
        while True:
            try:
                r, msgs = self.recv_messages(timeout)
            except NetlinkTimeout:
                return
            except Overrun as o:
                if not yield_overruns:
                    raise
                yield o
                continue
            for m in msgs:
                yield Notification(m, r.pktinfo_group, r.src_groups, r.nsid, r.src_pid)


class Dump:
    """One dump, read once: iterate it for `Message`s, or call `columns()` for bulk decoding.

    ``interrupted`` (NLM_F_DUMP_INTR seen), ``done`` (the NLMSG_DONE) and
    ``datagrams`` (the size of each) are known once it has been read to the end.
    Messages are not kept: a dump of 100k objects would pin them all in memory
    (and make Python's GC walk them); use `all()` for a list.
    """

    def __init__(self, sock: Socket, mtype: int, payload: bytes, flags: int, on_intr: str, timeout):
        if on_intr not in ("raise", "flag"):
            raise ValueError("on_intr must be 'raise' or 'flag'")
        self.sock, self.on_intr, self.mtype = sock, on_intr, mtype
        self.interrupted = False
        self.done: codec.ErrorInfo | None = None
        self.datagrams: list[int] = []  # size of each datagram, for dump-chunking observations
        self.seq = sock.next_seq()
        self.request = codec.encode(mtype, flags | C.NLM_F_REQUEST | C.NLM_F_DUMP, payload, self.seq, sock.port)
        self._timeout = timeout
        self._started = False
        sock._sent(self.seq)
        sock.send(self.request)

    def _start(self) -> None:
        if self._started:
            raise RuntimeError("a Dump is read once: keep the list from all() (or the columns) to reuse it")
        self._started = True

    def __iter__(self):
        self._start()
        # Only when the caller wants the exception to carry them (all()) are messages kept.
        kept = self._keep_for_error
        count = 0
        for r, msgs in self.sock._reply_datagrams(self.seq, self._timeout):
            self.datagrams.append(len(r.data))
            for m in msgs:
                if m.flags & C.NLM_F_DUMP_INTR:
                    self.interrupted = True
                t = m.type
                if t < C.NLMSG_MIN_TYPE:
                    if t == C.NLMSG_NOOP:
                        continue
                    self._end(m, count)
                    return
                count += 1
                if kept is not None:
                    kept.append(m)
                yield m

    _keep_for_error: list | None = None

    def _end(self, m: codec.Message, count, columns: dict | None = None) -> None:
        """NLMSG_DONE or NLMSG_ERROR: finish the dump, raising what it ended with."""
        if m.type == C.NLMSG_DONE:
            self.done = codec.parse_done(m)
            if self.done.error:
                raise KernelError(-self.done.error, self.done, self.request)
            if self.interrupted and self.on_intr == "raise":
                raise DumpInterrupted(self._keep_for_error if self._keep_for_error is not None else count, columns)
            return
        if m.type == C.NLMSG_ERROR:
            info = codec.parse_error(m)
            if not info.error:
                raise ProtocolViolation(f"an ACK inside dump seq={self.seq}: {m!r}")
            raise KernelError(-info.error, info, self.request)
        raise ProtocolViolation(f"control message {m!r} inside dump seq={self.seq}")

    def all(self) -> list[codec.Message]:
        """Every message; a DumpInterrupted raised at the end carries them all in ``messages``."""
        self._keep_for_error = []
        return list(self)

    def columns(self, *names: str) -> dict[str, list]:
        """Bulk-decode the dump: {name: one value per object} for header fields and attribute names.

        Names are the family header's fields (``rtm_dst_len``) and the
        attribute names of its space (``RTA_DST``); values are typed as in
        `codec.rtnl` (absent attributes are None).  Validation is the same as
        for iteration (sequence number, port id, well-formed bytes).
        """
        from .codec.columns import ColumnDecoder

        self._start()
        fam = codec.rtnl.family(self.mtype)
        if fam is None:
            raise ValueError(f"no bulk decoder for {C.MESSAGE_TYPES.get(self.mtype, self.mtype)} dumps")
        dec = ColumnDecoder(fam[1], fam[2], names)
        sock, seq = self.sock, self.seq
        wait = sock.timeout if self._timeout is None else self._timeout
        deadline = time.monotonic() + wait
        count = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise NetlinkTimeout(f"no reply to seq {seq} within {wait:g} s")
            try:
                r = sock._recv_live(left)
            except NetlinkTimeout:
                raise NetlinkTimeout(f"no reply to seq {seq} within {wait:g} s") from None
            if r.src_pid != 0 or r.src_groups != 0 or r.pktinfo_group:
                sock._keep(r)  # not a unicast from the kernel
                continue
            if r.truncated:
                raise ProtocolViolation(f"datagram of {r.length} bytes truncated to {len(r.data)}")
            data = r.data
            fed = dec.feed(data, seq, sock.port)
            if fed is None:  # malformed or foreign messages: the general path decides (and raises precisely)
                mine = sock._answers(r, codec.parse(data), seq, sock.port)
                if not mine:
                    continue
                data = b"".join(m.raw().ljust(codec.message.align(m.length), b"\0") for m in mine)
                fed = dec.feed(data, seq, sock.port)
                if fed is None:  # then an attribute is malformed: let the lazy codec say where
                    for m in mine:
                        if m.type >= C.NLMSG_MIN_TYPE:
                            len(m.attrs(fam[1].size))
                    raise ProtocolViolation(f"dump seq={seq}: datagram could not be decoded in bulk")
            deadline = time.monotonic() + wait
            self.datagrams.append(len(r.data))
            k, flags, tail = fed
            count += k
            if flags & C.NLM_F_DUMP_INTR:
                self.interrupted = True
            for off, length, mtype, mflags in tail:
                if mflags & C.NLM_F_DUMP_INTR:
                    self.interrupted = True
                if mtype == C.NLMSG_NOOP:
                    continue
                self._end(codec.Message(data, off, length, mtype, mflags, seq, sock.port), count, dec.columns)
                return dec.columns


class _TransportSocket(Socket):
    """A Socket over an in-memory transport (`Socket.from_transport`): no fd, no syscalls."""

    def close(self) -> None:
        t = self._transport
        if t is not None and hasattr(t, "close"):
            t.close()

    def fileno(self) -> int:
        return -1

    def bind(self, port: int = 0, groups: int = 0) -> None:
        if port:
            self.port = port
        self._bound_groups = groups
        for bit in range(32):
            if groups >> bit & 1:
                self._groups.add(bit + 1)

    def sockname(self) -> tuple[int, int]:
        return self.port, sum(1 << (g - 1) for g in self._groups if g <= 32)

    def set_option(self, name: str, on: bool = True) -> None:
        if name not in _OPTIONS:
            raise KeyError(name)
        self.options[name] = int(on)
        if name == "pktinfo":
            self._pktinfo = bool(on)

    def get_option(self, name: str) -> int:
        if name not in _OPTIONS:
            raise KeyError(name)
        return self.options.get(name, 0)

    def join(self, group: int) -> None:
        if group <= 0:
            raise OSError(_errno.EINVAL, "invalid group")
        self._groups.add(group)
        if group > 32:
            self._high_groups = True

    def leave(self, group: int) -> None:
        self._groups.discard(group)

    def memberships(self) -> set[int]:
        return set(self._groups)

    def send(self, data: bytes, *, port: int = 0, groups: int = 0) -> int:
        if len(data) >= 12:
            self._sent(_SEQ.unpack_from(data, 8)[0])
        return self._transport.send(bytes(data), port, groups)

    def _recv_datagram(self, timeout: float, flags: int) -> calls.Received:
        try:
            r = self._transport.recv(timeout, flags)
        except OSError as e:
            if e.errno == _errno.ENOBUFS:
                raise Overrun() from None
            raise
        if r is None:
            raise NetlinkTimeout(f"no datagram within {timeout:g} s")
        return r


def _open_in(netns, sock_type: int, protocol: int) -> int:
    if netns is None:
        return calls.socket(C.AF_NETLINK, sock_type, protocol)
    from .netns import entered  # the socket layer only needs "enter, open, leave"

    with entered(netns):
        return calls.socket(C.AF_NETLINK, sock_type, protocol)
