"""Netlink messages: split a receive buffer into `Message` views; encode requests.

A `Message` is a view of one nlmsghdr in the buffer it arrived in: header
fields are read once, the payload is sliced only when asked.  Its fields are
stored by a C base (`codec._fastmsg.MessageBase`), which the messages of a
dump, `codec.msgindex.IndexedMessage`s, share: their fields, `attrs` and
`header` read the datagram's index built in C, without a Python frame.
"""
from __future__ import annotations

import struct
from typing import Any

from .. import constants as C
from ._fastmsg import MessageBase
from .attribute import Attrs
from .buffer import Buffer
from .errors import DecodeError
from .layouts import NLMSGHDR, Layout

HDRLEN = NLMSGHDR.size
NLMSG_ALIGNTO = C.NLMSG_ALIGNTO
_HDR = struct.Struct("=IHHII")
assert _HDR.size == HDRLEN
_new_tuple: Any = tuple.__new__


def align(n: int) -> int:
    """*n* rounded up to NLMSG_ALIGNTO (4): where the next message of a datagram starts."""
    return (n + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1)


class Message(MessageBase):
    """One netlink message inside a buffer (fields: buf, offset, length, type, flags, seq, pid)."""

    __slots__ = ()  # the fields live in MessageBase

    def __init__(self, buf: Buffer, offset: int, length: int, type_: int, flags: int, seq: int, pid: int) -> None:
        self.buf, self.offset, self.length = buf, offset, length
        self.type, self.flags, self.seq, self.pid = type_, flags, seq, pid
        self._attrs = None

    def __reduce__(self) -> tuple[Any, ...]:
        return Message, (self.buf, self.offset, self.length, self.type, self.flags, self.seq, self.pid)

    @property
    def payload(self) -> memoryview:
        """The bytes after the nlmsghdr, up to nlmsg_len (a view, not a copy)."""
        return memoryview(self.buf)[self.offset + HDRLEN: self.offset + self.length]

    @property
    def payload_offset(self) -> int:
        """Offset of the payload in `buf`: family header first, then attributes."""
        return self.offset + HDRLEN

    @property
    def end(self) -> int:
        """Offset in `buf` just past this message (before padding to the next)."""
        return self.offset + self.length

    def raw(self) -> bytes:
        """A copy of the whole message, header included: for logs, fixtures and re-sending."""
        return bytes(self.buf[self.offset: self.offset + self.length])

    def header(self, layout: Layout) -> Any:
        """The family header (ifinfomsg, rtmsg ...) at the start of the payload, by field name:
        ``m.header(IFINFOMSG).ifi_index``."""
        p = self.offset + HDRLEN
        if p + layout.size > self.offset + self.length:
            return layout.unpack(self.buf, p, self.offset + self.length)  # raises the DecodeError
        # Layout.unpack without its call and _make: the hot path of every per-message loop
        return _new_tuple(layout._tuple, layout._struct.unpack_from(self.buf, p))

    def attrs(self, fixed_len: int) -> Attrs:
        """The attributes after a family header of *fixed_len* bytes (aligned); indexed once per message."""
        a = self._attrs
        p = self.offset + HDRLEN
        start = p + ((fixed_len + 3) & ~3)
        end = self.offset + self.length
        if fixed_len < 0 or p + fixed_len > end:
            raise DecodeError(p, f"family header needs {fixed_len} bytes, payload has {self.length - HDRLEN}")
        if a is not None and a.start == (start if start < end else end):
            return a
        a = self._attrs = Attrs(self.buf, start if start < end else end, end)
        return a

    @property
    def type_name(self) -> str:
        """'RTM_NEWLINK', 'NLMSG_ERROR', ... or the number as text when the headers do not name it."""
        return C.MESSAGE_TYPES.get(self.type, str(self.type))

    def __repr__(self) -> str:
        return (f"Message({self.type_name}, flags={flags_text(self.type, self.flags)}, seq={self.seq}, "
                f"pid={self.pid}, len={self.length})")


def parse(buf: Buffer, base: int = 0, end: int | None = None) -> list[Message]:
    """Split *buf* [base, end) into messages; raise DecodeError on any malformed header.

    Every iteration advances by at least HDRLEN bytes, so the loop ends on any input.
    """
    size = len(buf)
    end = size if end is None else end
    if base < 0 or end > size:
        raise DecodeError(max(base, 0), f"range [{base}, {end}) lies outside the {size}-byte buffer")
    out = []
    off = base
    unpack = _HDR.unpack_from
    while off < end:
        if end - off < HDRLEN:
            raise DecodeError(off, f"{end - off} bytes left, less than a {HDRLEN}-byte nlmsghdr")
        length, mtype, flags, seq, pid = unpack(buf, off)
        if length < HDRLEN:
            raise DecodeError(off, f"nlmsg_len {length} is below the {HDRLEN}-byte header")
        if off + length > end:
            raise DecodeError(off, f"nlmsg_len {length} runs past the end of the buffer ({end - off} bytes left)")
        out.append(Message(buf, off, length, mtype, flags, seq, pid))
        nxt = off + ((length + 3) & ~3)
        if nxt > end:  # the last message may omit its padding, nothing else may
            if off + length != end:
                raise DecodeError(off + length, "misaligned message: padding cut short")
            nxt = end
        off = nxt
    return out


def encode(mtype: int, flags: int, payload: bytes = b"", seq: int = 0, pid: int = 0) -> bytes:
    """One message: header + payload + padding."""
    length = HDRLEN + len(payload)
    if length > 0xFFFFFFFF:
        raise ValueError("message too long")
    return _HDR.pack(length, mtype, flags, seq, pid) + bytes(payload) + b"\0" * (align(length) - length)


# -- flags ----------------------------------------------------------------
_COMMON_D = {C.NLM_F_REQUEST: "REQUEST", C.NLM_F_MULTI: "MULTI", C.NLM_F_ACK: "ACK", C.NLM_F_ECHO: "ECHO",
           C.NLM_F_DUMP_INTR: "DUMP_INTR", C.NLM_F_DUMP_FILTERED: "DUMP_FILTERED"}
_GET = {C.NLM_F_ROOT: "ROOT", C.NLM_F_MATCH: "MATCH", C.NLM_F_ATOMIC: "ATOMIC"}
_NEW = {C.NLM_F_REPLACE: "REPLACE", C.NLM_F_EXCL: "EXCL", C.NLM_F_CREATE: "CREATE", C.NLM_F_APPEND: "APPEND"}
_DEL = {C.NLM_F_NONREC: "NONREC", **({C.NLM_F_BULK: "BULK"} if hasattr(C, "NLM_F_BULK") else {})}
_COMMON = tuple(sorted(_COMMON_D.items()))
_ACK = {C.NLM_F_CAPPED: "CAPPED", C.NLM_F_ACK_TLVS: "ACK_TLVS"}
_T_ACK, _T_GET, _T_DEL, _T_NEW = (tuple(sorted({**_COMMON_D, **t}.items())) for t in (_ACK, _GET, _DEL, _NEW))


def flags_names(mtype: int, flags: int, protocol: int | None = None) -> list[str]:
    """Names of the bits in *flags*; the high byte means different things per message kind.

    NLMSG_ERROR/DONE: CAPPED, ACK_TLVS.  rtnetlink GET: ROOT, MATCH, ATOMIC;
    DEL: NONREC, BULK; NEW/SET: REPLACE, EXCL, CREATE, APPEND.  Other control
    messages (NOOP, OVERRUN) and, when *protocol* is given and is not
    NETLINK_ROUTE, other protocols' types (whose kind the type number does not
    tell) get only the common low-byte names; bits without a name stay as hex.
    """
    if mtype in (C.NLMSG_ERROR, C.NLMSG_DONE):
        table = _T_ACK
    elif mtype < C.NLMSG_MIN_TYPE or (protocol is not None and protocol != C.NETLINK_ROUTE):
        table = _COMMON
    elif C.RTM_BASE <= mtype and (mtype - C.RTM_BASE) % 4 == 2:  # RTM_GET*
        table = _T_GET
    elif C.RTM_BASE <= mtype and (mtype - C.RTM_BASE) % 4 == 1:  # RTM_DEL*
        table = _T_DEL
    else:
        table = _T_NEW
    names, rest = [], flags
    for bit, name in table:
        if flags & bit:
            names.append(name)
            rest &= ~bit
    if rest:
        names.append(hex(rest))
    return names


def flags_text(mtype: int, flags: int, protocol: int | None = None) -> str:
    """`flags_names` joined with '|' ('0' for none), as in logs and ``repr``."""
    return "|".join(flags_names(mtype, flags, protocol)) or "0"


__all__ = ["HDRLEN", "Message", "align", "encode", "flags_names", "flags_text", "parse"]
