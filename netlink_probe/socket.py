"""Layer 3: the netlink socket. I/O around the codec, with every reply validated.

`Socket` opens an AF_NETLINK socket of any protocol (optionally inside a given
network namespace), sends requests, and checks that each reply comes from the
kernel (source port 0, unicast), carries our sequence number and port id, and
is well-formed.  Every receive has a timeout.
"""
from __future__ import annotations

import errno as _errno
import itertools
import os
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
_OPTIONS = {"ext_ack": C.NETLINK_EXT_ACK, "cap_ack": C.NETLINK_CAP_ACK, "strict": C.NETLINK_GET_STRICT_CHK,
            "no_enobufs": C.NETLINK_NO_ENOBUFS, "broadcast_error": C.NETLINK_BROADCAST_ERROR,
            "listen_all_nsid": C.NETLINK_LISTEN_ALL_NSID, "pktinfo": C.NETLINK_PKTINFO}


@dataclass
class Notification:
    """A multicast message with where it came from."""

    message: codec.Message
    group: int | None  # from NETLINK_PKTINFO (the only source for groups above 32)
    src_groups: int  # sockaddr nl_groups: the group bit for groups 1..32, 0 above
    nsid: int | None  # from LISTEN_ALL_NSID: the peer namespace's id, None when local
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

    def __init__(self, protocol: int = C.NETLINK_ROUTE, *, netns=None, bind: bool = True, groups: int = 0,
                 port: int = 0, rcvbuf: int = DEFAULT_RCVBUF, bufsize: int = DEFAULT_BUFSIZE,
                 timeout: float = DEFAULT_TIMEOUT, ext_ack: bool = True, cap_ack: bool = False,
                 strict: bool = False, sock_type: int = C.SOCK_RAW, **options: bool):
        self.protocol = protocol
        self.timeout = timeout
        self._seq = itertools.count(int(time.monotonic_ns() & 0x7FFF) * 65536 + 1)
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

    def get_option(self, name: str) -> int:
        return calls.getsockopt_int(self.fd, C.SOL_NETLINK, _OPTIONS[name])

    # -- multicast ------------------------------------------------------------
    def join(self, group: int) -> None:
        """NETLINK_ADD_MEMBERSHIP: works for any group number, unlike bind()'s 32-bit mask."""
        calls.setsockopt_int(self.fd, C.SOL_NETLINK, C.NETLINK_ADD_MEMBERSHIP, group)

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
        return next(self._seq) & 0xFFFFFFFF

    def send(self, data: bytes, *, port: int = 0, groups: int = 0) -> int:
        return calls.sendto(self.fd, data, port, groups)

    def send_message(self, mtype: int, flags: int, payload: bytes = b"", *, seq: int | None = None,
                     port: int = 0) -> int:
        """Encode and send one message to *port* (0 = the kernel); returns the sequence number used."""
        seq = self.next_seq() if seq is None else seq
        self.send(codec.encode(mtype, flags, payload, seq, self.port), port=port)
        return seq

    # -- receiving ------------------------------------------------------------
    def recv(self, timeout: float | None = None, flags: int = 0) -> calls.Received:
        """One datagram. Raises NetlinkTimeout, or Overrun on ENOBUFS."""
        t = self.timeout if timeout is None else timeout
        if not calls.poll_in(self.fd, int(t * 1000)):
            raise NetlinkTimeout(f"no datagram within {t:g} s")
        try:
            r = self._rx.recv(flags)
        except OSError as e:
            if e.errno == _errno.ENOBUFS:
                raise Overrun() from None
            raise
        for tap in Socket.taps:
            tap(self.protocol, r)
        return r

    def recv_messages(self, timeout: float | None = None) -> tuple[calls.Received, list[codec.Message]]:
        r = self.recv(timeout)
        if r.truncated:
            raise ProtocolViolation(f"datagram of {r.length} bytes truncated to {len(r.data)}")
        return r, codec.parse(r.data)

    def _replies(self, seq: int, timeout: float | None):
        """Messages that answer *seq*, validated; multicast and user-port datagrams are skipped."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise NetlinkTimeout(f"no reply to seq {seq} within the timeout")
            r, msgs = self.recv_messages(left)
            if r.src_pid != 0 or r.src_groups != 0 or r.pktinfo_group:
                continue  # not a unicast from the kernel: a notification or a user port
            for m in msgs:
                if m.seq != seq or m.pid != self.port:
                    raise ProtocolViolation(f"reply {m!r} does not match request seq={seq} port={self.port}")
            yield msgs

    def request(self, mtype: int, flags: int = 0, payload: bytes = b"", *, ack: bool = True,
                timeout: float | None = None) -> list[codec.Message]:
        """Send one request and return its replies (without the final ACK).

        Raises KernelError when the kernel answers with an error.  With ack=True
        NLM_F_ACK is set and the call returns once the ACK arrives.
        """
        flags |= C.NLM_F_REQUEST | (C.NLM_F_ACK if ack else 0)
        request = codec.encode(mtype, flags, payload, 0, self.port)
        seq = self.next_seq()
        request = request[:8] + struct.pack("=I", seq) + request[12:]
        self.send(request)
        out: list[codec.Message] = []
        for msgs in self._replies(seq, timeout):
            for m in msgs:
                if m.type == C.NLMSG_ERROR:
                    info = codec.parse_error(m)
                    if info.error:
                        raise KernelError(-info.error, info, request)
                    return out
                out.append(m)
            if not ack and out and not (out[-1].flags & C.NLM_F_MULTI):
                return out

    def dump(self, mtype: int, payload: bytes = b"", flags: int = 0, *, on_intr: str = "raise",
             timeout: float | None = None) -> "Dump":
        """Start a dump (NLM_F_DUMP); iterate the result for its messages.

        on_intr: "raise" raises DumpInterrupted after the last message if any
        part carried NLM_F_DUMP_INTR; "flag" only sets ``Dump.interrupted``.
        """
        return Dump(self, mtype, payload, flags, on_intr, timeout)

    def notifications(self, timeout: float | None = None, *, yield_overruns: bool = True):
        """Multicast messages as `Notification`s (turn the pktinfo option on to learn groups > 32).

        Stops at the timeout (None = the socket's). An ENOBUFS overrun yields an
        `Overrun` instance (the socket stays usable) instead of raising.
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
    """The messages of one dump, read lazily; ``interrupted``/``done`` are known once exhausted."""

    def __init__(self, sock: Socket, mtype: int, payload: bytes, flags: int, on_intr: str, timeout):
        if on_intr not in ("raise", "flag"):
            raise ValueError("on_intr must be 'raise' or 'flag'")
        self.sock, self.on_intr = sock, on_intr
        self.interrupted = False
        self.done: codec.ErrorInfo | None = None
        self.datagrams: list[int] = []  # size of each datagram, for dump-chunking observations
        self.request = codec.encode(mtype, flags | C.NLM_F_REQUEST | C.NLM_F_DUMP, payload, 0, sock.port)
        self.seq = sock.next_seq()
        self.request = self.request[:8] + struct.pack("=I", self.seq) + self.request[12:]
        self._timeout = timeout
        sock.send(self.request)
        self._messages: list[codec.Message] | None = None

    def __iter__(self):
        seen: list[codec.Message] = []
        replies = self.sock._replies(self.seq, self._timeout)
        while True:
            msgs = next(replies)
            self.datagrams.append(msgs[-1].end if msgs else 0)
            for m in msgs:
                if m.flags & C.NLM_F_DUMP_INTR:
                    self.interrupted = True
                if m.type == C.NLMSG_DONE:
                    self.done = codec.parse_done(m)
                    if self.done.error:
                        raise KernelError(-self.done.error, self.done, self.request)
                    if self.interrupted and self.on_intr == "raise":
                        raise DumpInterrupted(seen)
                    return
                if m.type == C.NLMSG_ERROR:
                    info = codec.parse_error(m)
                    raise KernelError(-info.error if info.error else _errno.EPROTO, info, self.request)
                seen.append(m)
                yield m

    def all(self) -> list[codec.Message]:
        return list(self)


def _open_in(netns, sock_type: int, protocol: int) -> int:
    if netns is None:
        return calls.socket(C.AF_NETLINK, sock_type, protocol)
    from .netns import entered  # the socket layer only needs "enter, open, leave"

    with entered(netns):
        return calls.socket(C.AF_NETLINK, sock_type, protocol)
