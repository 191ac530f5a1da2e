"""The I/O below a `Socket`: an AF_NETLINK file descriptor, or anything shaped like one.

A transport moves whole datagrams and keeps the socket's kernel-side state
(address, options, memberships); it knows no netlink messages.  `Socket`
validates what comes up (see `codec.exchange`).  The interface (`Transport`):

    protocol                       the netlink protocol number
    fileno() -> int                -1 when there is no file descriptor
    bind(port, groups); sockname() -> (port id, nl_groups of groups 1..32)
    setsockopt(level, name, value: int); getsockopt(level, name) -> int
    join(group); leave(group); memberships() -> set[int]
    send(data, port, groups) -> int
    recv(timeout, flags) -> calls.Received | None   (None: nothing within timeout;
                                                     OSError(ENOBUFS): an overrun;
                                                     the datagram whole, whatever its size)
    set_buffer(size)               userspace receive buffer per datagram
    close()

`open_kernel_transport` makes the real one; `Socket` looks it up in this
module at call time, so a test session can wrap it (monkeypatch), e.g. with
`Tapped` to watch every datagram the kernel sends.  `netlink_probe.testing`
has an in-memory one.
"""
from __future__ import annotations

import errno as _errno
import math
import struct
import time
from collections.abc import Callable
from typing import Any, Protocol

from . import constants as C
from .sys import calls

DEFAULT_BUFSIZE = 64 * 1024  # userspace buffer per recvmsg: dump datagrams stay below ~32 KiB; larger ones
#                               (an error echoing a big request, a big notification) get a buffer of their own


class Transport(Protocol):
    """What `Socket` needs below it (see the module docstring)."""

    protocol: int

    def fileno(self) -> int:
        """The file descriptor, or -1 when there is none (an in-memory transport)."""
        ...

    def bind(self, port: int, groups: int) -> None:
        """Bind to port id *port* (0: the kernel picks) and the 32-bit group mask *groups*."""
        ...

    def sockname(self) -> tuple[int, int]:
        """(port id, nl_groups): the groups 1..32 only, as getsockname reports them."""
        ...

    def setsockopt(self, level: int, name: int, value: int) -> None:
        """Set an int socket option (SOL_NETLINK, SOL_SOCKET)."""
        ...

    def getsockopt(self, level: int, name: int) -> int:
        """Read an int socket option."""
        ...

    def join(self, group: int) -> None:
        """Join multicast *group* (any number, not only 1..32)."""
        ...

    def leave(self, group: int) -> None:
        """Leave multicast *group*."""
        ...

    def memberships(self) -> set[int]:
        """Every joined group, as NETLINK_LIST_MEMBERSHIPS reports them."""
        ...

    def send(self, data: bytes, port: int, groups: int) -> int:
        """Send one datagram to port id *port* (0: the kernel) and *groups*; the bytes sent."""
        ...

    def recv(self, timeout: float, flags: int) -> calls.Received | None:
        """The next datagram whole, None when nothing came within *timeout*; OSError(ENOBUFS) on an overrun."""
        ...

    def set_buffer(self, size: int) -> None:
        """The userspace receive buffer per datagram (the kernel's queue is SO_RCVBUF, a socket option)."""
        ...

    def close(self) -> None:
        """Release the socket; idempotent."""
        ...


class KernelTransport:
    """A kernel AF_NETLINK socket: the file descriptor and the syscalls on it."""

    def __init__(self, fd: int, protocol: int, bufsize: int = DEFAULT_BUFSIZE):
        self.fd = fd
        self.protocol = protocol
        self._rx = calls.Receiver(fd, bufsize)

    def fileno(self) -> int:
        """The socket's fd (-1 once closed)."""
        return self.fd

    def close(self) -> None:
        """close(2) the fd once; later calls do nothing."""
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            calls.close(fd)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    # -- address and options --------------------------------------------------------------------
    def bind(self, port: int, groups: int) -> None:
        """bind(2) to sockaddr_nl{port, groups}."""
        calls.bind(self.fd, port, groups)

    def sockname(self) -> tuple[int, int]:
        """getsockname(2): (port id, nl_groups of groups 1..32)."""
        return calls.getsockname(self.fd)

    def setsockopt(self, level: int, name: int, value: int) -> None:
        """setsockopt(2) with an int value."""
        calls.setsockopt_int(self.fd, level, name, value)

    def getsockopt(self, level: int, name: int) -> int:
        """getsockopt(2) of an int option."""
        return calls.getsockopt_int(self.fd, level, name)

    # -- multicast ----------------------------------------------------------------------------------
    def join(self, group: int) -> None:
        """NETLINK_ADD_MEMBERSHIP: any group number, unlike bind's 32-bit mask."""
        calls.setsockopt_int(self.fd, C.SOL_NETLINK, C.NETLINK_ADD_MEMBERSHIP, group)

    def leave(self, group: int) -> None:
        """NETLINK_DROP_MEMBERSHIP."""
        calls.setsockopt_int(self.fd, C.SOL_NETLINK, C.NETLINK_DROP_MEMBERSHIP, group)

    def memberships(self) -> set[int]:
        """NETLINK_LIST_MEMBERSHIPS, growing the buffer to the length the kernel reports."""
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

    # -- datagrams ----------------------------------------------------------------------------------
    def send(self, data: bytes, port: int, groups: int) -> int:
        """sendto(2) one datagram to sockaddr_nl{port, groups}; the bytes sent."""
        return calls.sendto(self.fd, data, port, groups)

    def set_buffer(self, size: int) -> None:
        """A new receive buffer of *size* bytes per recvmsg (kept when the size is unchanged)."""
        if size != self._rx.size:
            self._rx = calls.Receiver(self.fd, size)

    def recv(self, timeout: float, flags: int) -> calls.Received | None:
        """A non-blocking recvmsg() of the whole datagram, poll() while there is none: never blocks past
        *timeout*; None when nothing came.  Its length is peeked first, so nothing is truncated (a refused
        request over 64 KiB is echoed whole in its NLMSG_ERROR, and its errno with it)."""
        deadline = time.monotonic() + timeout
        while True:
            try:  # read first, poll only when the queue is empty: a dump's next datagram is usually queued already
                return self._rx.recv_whole(flags | C.MSG_DONTWAIT)
            except OSError as e:
                if e.errno not in (_errno.EAGAIN, _errno.EINTR) or flags & C.MSG_DONTWAIT:
                    raise
            left = deadline - time.monotonic()
            if left <= 0 or not calls.poll_in(self.fd, max(0, math.ceil(left * 1000))):
                return None


def open_kernel_transport(protocol: int, sock_type: int, netns: Any = None) -> KernelTransport:
    """A new AF_NETLINK socket (close-on-exec) of *protocol* created in *netns* (None: the calling thread's)."""
    sock_type |= C.SOCK_CLOEXEC
    if netns is None:
        fd = calls.socket(C.AF_NETLINK, sock_type, protocol)
    else:
        from .netns import entered  # only "enter, open, leave" is needed here

        with entered(netns):
            fd = calls.socket(C.AF_NETLINK, sock_type, protocol)
    return KernelTransport(fd, protocol)


Tap = Callable[[int, calls.Received], None]


class Tapped:
    """*inner* with tap(protocol, received) called for every datagram it receives; all else is delegated.

    The conformance suite feeds its decode oracle this way, wrapping
    `open_kernel_transport`.  A tap must not raise.
    """

    def __init__(self, inner: Transport, tap: Tap):
        self.inner = inner
        self.tap = tap

    def recv(self, timeout: float, flags: int) -> calls.Received | None:
        """The inner transport's datagram, shown to the tap first."""
        r = self.inner.recv(timeout, flags)
        if r is not None:
            self.tap(self.inner.protocol, r)
        return r

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


__all__ = ["DEFAULT_BUFSIZE", "KernelTransport", "Tap", "Tapped", "Transport", "open_kernel_transport"]
