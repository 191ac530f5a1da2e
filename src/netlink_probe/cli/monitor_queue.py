"""``monitor``'s receive queue: how large a burst it holds, and what it says when notifications are lost.

The kernel queues a notification for a listener only while the socket's
receive queue has room; past that it drops it and the next receive fails
with ENOBUFS.  A route notification takes about 830 bytes of queue, so the
default queue of ``ip monitor`` (SO_RCVBUF 1 MiB, 2 MiB as the kernel
counts) holds ~2,500 of them; `DEFAULT_RCVBUF` holds a burst of 100k+.
"""
from __future__ import annotations

import argparse
import sys

from .. import constants as C
from ..socket import Socket

DEFAULT_RCVBUF = 128 << 20  # a burst of 100k route notifications (~830 bytes of queue each) fits
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def size_arg(text: str) -> int:
    """A receive queue size: bytes, or with a K/M/G suffix (binary), 4096 up to 2 GiB."""
    t = text.strip().lower().removesuffix("b")
    unit = t[-1:] if t[-1:] in ("k", "m", "g") else ""
    try:
        size = int(t[:len(t) - len(unit)]) * _UNITS[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (bytes, or with K, M or G)") from None
    if not 4096 <= size <= 1 << 31:
        raise argparse.ArgumentTypeError(f"{text!r}: give 4K up to 2G")
    return size


def receive_queue(sock: Socket, size: int) -> int:
    """Ask for a receive queue of *size* bytes: SO_RCVBUFFORCE (CAP_NET_ADMIN), else SO_RCVBUF (capped by
    net.core.rmem_max); the size the kernel reports granted (twice the request: it counts its overhead)."""
    t = sock.transport
    try:
        t.setsockopt(C.SOL_SOCKET, C.SO_RCVBUFFORCE, size)
    except OSError:  # EPERM: not CAP_NET_ADMIN over the namespace
        t.setsockopt(C.SOL_SOCKET, C.SO_RCVBUF, size)
    return t.getsockopt(C.SOL_SOCKET, C.SO_RCVBUF)


class OverrunReport:
    """Says on stderr that notifications were lost (ENOBUFS): at the first overrun, and how many at exit."""

    def __init__(self, queue: int = 0) -> None:
        self.queue = queue
        self.count = 0

    def __call__(self) -> None:
        """One more overrun."""
        self.count += 1
        if self.count == 1:
            size = f" of {self.queue:,} bytes" if self.queue else ""
            print(f"monitor: the kernel dropped notifications (ENOBUFS): this socket's receive queue{size} "
                  "overflowed faster than they were printed; a larger --rcvbuf holds a longer burst",
                  file=sys.stderr, flush=True)

    def at_exit(self) -> None:
        """The count, when there was any."""
        if self.count:
            print(f"monitor: {self.count} overrun{'s' if self.count > 1 else ''} (ENOBUFS): notifications were lost",
                  file=sys.stderr, flush=True)


__all__ = ["DEFAULT_RCVBUF", "OverrunReport", "receive_queue", "size_arg"]
