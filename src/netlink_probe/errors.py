"""Typed errors of the socket layer (the codec has only DecodeError)."""
from __future__ import annotations

import errno as _errno
import os
from typing import Any

from .codec.control import MAX_ERRNO, ErrorInfo
from .codec.errors import DecodeError, errno_name
from .codec.exchange import Kind, Outcome


class NetlinkError(Exception):
    """Base of everything netlink_probe raises on purpose (DecodeError aside)."""


class KernelError(NetlinkError, OSError):
    """The kernel answered a request with a negative errno (NLMSG_ERROR, or NLMSG_DONE of a dump).

    Carries the extended ack when the kernel sent one: ``extack_msg``,
    ``extack_offset`` (byte offset in the request of the bad attribute),
    ``miss_type``/``miss_nest``, ``policy`` and ``cookie``.
    """

    def __init__(self, err: int, info: ErrorInfo | None = None, request: bytes | None = None) -> None:
        ext = info.extack if info is not None else None
        # strerror() takes a C int: only real errnos go there
        self.description = os.strerror(err) if 0 < err <= MAX_ERRNO else f"error {err}, not an errno"
        msg = self.description
        if ext is not None and ext.msg:
            msg += f" ({ext.msg})"
        OSError.__init__(self, err, msg)
        self.info = info
        self.request = request
        self.extack = ext
        self.extack_msg = ext.msg if ext else None
        self.extack_offset = ext.offset if ext else None
        self.miss_type = ext.miss_type if ext else None
        self.miss_nest = ext.miss_nest if ext else None
        self.policy = ext.policy if ext else None
        self.cookie = ext.cookie if ext else None

    @property
    def errno_name(self) -> str:
        """The errno's symbol ('EOPNOTSUPP'), stable across libc translations, unlike strerror."""
        return errno_name(self.errno or 0)


class NetlinkTimeout(NetlinkError, TimeoutError):
    """No answer within the receive timeout (the kernel answers some bad requests with silence)."""


class ProtocolViolation(NetlinkError):
    """A reply that breaks the protocol: wrong sequence or port id, a truncated datagram, an error field that
    is no errno, ...  ``info``: the NLMSG_ERROR/DONE involved, if any (its ``error`` as sent)."""

    def __init__(self, reason: str = "", info: ErrorInfo | None = None) -> None:
        super().__init__(reason)
        self.info = info


class DumpInterrupted(NetlinkError):
    """A dump carried NLM_F_DUMP_INTR: the table changed while it was read; results are inconsistent."""

    def __init__(self, messages: int | list[Any], columns: dict[str, Any] | None = None) -> None:
        """*messages*: the list read (from Dump.all() or request()), or just their number."""
        count = messages if isinstance(messages, int) else len(messages)
        super().__init__(f"dump interrupted (NLM_F_DUMP_INTR) after {count} messages")
        self.count = count
        self.messages = None if isinstance(messages, int) else messages
        self.columns = columns  # what Dump.columns() had decoded


class Overrun(NetlinkError, OSError):
    """ENOBUFS: the socket's receive queue overflowed and the kernel dropped messages."""

    def __init__(self) -> None:
        OSError.__init__(self, _errno.ENOBUFS, "receive queue overrun (ENOBUFS): messages were lost")


def raise_for(outcome: Outcome, request: bytes | None = None) -> None:
    """Raise what the final outcome of an exchange stands for; return when it is a success.

    ERROR: KernelError with the errno and extended ack (*request*: the bytes
    that were answered); VIOLATION: ProtocolViolation (an error field that is
    no errno is one: `codec.exchange` decides).
    """
    if outcome.kind is Kind.ERROR:
        info = outcome.info
        assert info is not None
        raise KernelError(-info.error, info, request)
    if outcome.kind is Kind.VIOLATION:
        raise ProtocolViolation(outcome.reason, outcome.info)


__all__ = ["errno_name", "DecodeError", "DumpInterrupted", "KernelError", "NetlinkError", "NetlinkTimeout", "Overrun",
           "ProtocolViolation", "raise_for"]
