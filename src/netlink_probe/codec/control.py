"""NLMSG_ERROR and NLMSG_DONE: errno, the echoed request, extended-ack TLVs.

The error field is an int as sent: 0, or a negative errno (the kernel's are
1..MAX_ERRNO, include/linux/err.h).  Other values are kept as they came
(``ErrorInfo.error``) and `errno_in_range` tells them apart; nothing here
turns them into an errno.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from .. import constants as C
from .attribute import Attrs
from .attribute import attr as _attr
from .errors import DecodeError, errno_name
from .layouts import NLMSGHDR
from .message import HDRLEN, Message, align
from .message import encode as _encode

_INT = struct.Struct("=i")
_HEAD = struct.Struct("=IHHIIi")  # nlmsghdr + the error int: what a truncated NLMSG_ERROR still says
MAX_ERRNO = 4095  # include/linux/err.h: the kernel's errnos are 1..4095

__all__ = ["MAX_ERRNO", "ErrorInfo", "ExtAck", "encode_done", "encode_error", "encode_extack", "errno_in_range",
           "parse_done", "parse_error", "parse_error_head"]


def errno_in_range(error: int) -> bool:
    """True for an error field the kernel can send: 0 or -1..-MAX_ERRNO (netlink_ack, netlink_dump_done)."""
    return -MAX_ERRNO <= error <= 0


@dataclass
class ExtAck:
    """NLMSGERR_ATTR_* found after an error or DONE (all optional)."""

    msg: str | None = None
    offset: int | None = None  # byte offset into the echoed request of the attribute at fault
    cookie: bytes | None = None
    policy: dict[int, bytes] | None = None  # NL_POLICY_TYPE_ATTR_* raw values
    miss_type: int | None = None
    miss_nest: int | None = None  # byte offset into the request of the nest missing miss_type
    unknown: dict[int, bytes] = field(default_factory=dict)  # TLVs newer than our headers

    @classmethod
    def parse(cls, attrs: Attrs) -> "ExtAck":
        """The extended ack in the TLVs after an NLMSG_ERROR/DONE; unknown types kept by number."""
        x = cls()
        for a in attrs:
            t = a.type
            if t == C.NLMSGERR_ATTR_MSG:
                x.msg = bytes(a.value).split(b"\0", 1)[0].decode("utf-8", "replace")
            elif t == C.NLMSGERR_ATTR_OFFS:
                x.offset = attrs.u32(t)
            elif t == C.NLMSGERR_ATTR_COOKIE:
                x.cookie = bytes(a.value)
            elif t == getattr(C, "NLMSGERR_ATTR_POLICY", -1):
                x.policy = {p.type: bytes(p.value) for p in a.nested()}
            elif t == getattr(C, "NLMSGERR_ATTR_MISS_TYPE", -1):
                x.miss_type = attrs.u32(t)
            elif t == getattr(C, "NLMSGERR_ATTR_MISS_NEST", -1):
                x.miss_nest = attrs.u32(t)
            else:
                x.unknown[t] = bytes(a.value)
        return x

    def __bool__(self) -> bool:
        return any(v not in (None, {}) for v in (self.msg, self.offset, self.cookie, self.policy,
                                                self.miss_type, self.miss_nest, self.unknown or None))


@dataclass
class ErrorInfo:
    """A decoded NLMSG_ERROR (error == 0 is an ACK) or NLMSG_DONE."""

    error: int  # as sent: 0 or a negative errno
    echo_header: tuple[int, ...] | None  # the request's nlmsghdr (named: .nlmsg_seq ...), for NLMSG_ERROR
    echo_payload: bytes | None  # the request's payload; None when NLM_F_CAPPED
    capped: bool
    extack: ExtAck
    truncated: bool = False  # read from a datagram cut short: only the error and the echoed header survived

    @property
    def errno(self) -> int:
        """The positive errno (0 for an ACK)."""
        return -self.error

    @property
    def errno_name(self) -> str:
        """'EINVAL', ... or 'ok' for an ACK."""
        return errno_name(self.error) if self.error else "ok"


def parse_error(m: Message) -> ErrorInfo:
    """NLMSG_ERROR: int error, the request's nlmsghdr, then its payload unless CAPPED, then TLVs."""
    buf, p, end = m.buf, m.payload_offset, m.end
    if end - p < 4 + HDRLEN:
        raise DecodeError(p, f"NLMSG_ERROR payload is {end - p} bytes, needs {4 + HDRLEN}")
    (err,) = _INT.unpack_from(buf, p)
    echo = NLMSGHDR.unpack(buf, p + 4, end)
    capped = bool(m.flags & C.NLM_F_CAPPED)
    tlv_start = p + 4 + HDRLEN
    payload = None
    if not capped:
        plen = max(echo.nlmsg_len - HDRLEN, 0)
        if tlv_start + plen > end:
            raise DecodeError(p + 4, f"echoed request claims {echo.nlmsg_len} bytes, only {end - p - 4} present")
        payload = bytes(buf[tlv_start: tlv_start + plen])
        tlv_start += align(plen)
    ext = ExtAck()
    if m.flags & C.NLM_F_ACK_TLVS and tlv_start < end:
        ext = ExtAck.parse(Attrs(buf, tlv_start, end))
    return ErrorInfo(err, echo, payload, capped, ext)


def parse_error_head(data: bytes) -> tuple[int, int, ErrorInfo] | None:
    """(seq, port id, info) of an NLMSG_ERROR at the start of a datagram cut short (MSG_TRUNC).

    The error int follows the header, so it survives any buffer of 20 bytes
    or more; the echoed request header when 36 arrived; the payload and the
    extended ack are lost.  None when *data* does not start with that much
    of an NLMSG_ERROR.
    """
    if len(data) < _HEAD.size:
        return None
    _, mtype, flags, seq, pid, err = _HEAD.unpack_from(data)
    if mtype != C.NLMSG_ERROR:
        return None
    echo = NLMSGHDR.unpack(data, _HEAD.size) if len(data) >= _HEAD.size + HDRLEN else None
    return seq, pid, ErrorInfo(err, echo, None, bool(flags & C.NLM_F_CAPPED), ExtAck(), truncated=True)


def parse_done(m: Message) -> ErrorInfo:
    """NLMSG_DONE: an int (the dump's error, 0 when it succeeded), then TLVs with ACK_TLVS."""
    buf, p, end = m.buf, m.payload_offset, m.end
    if end - p < 4:  # some families end dumps with an empty DONE
        return ErrorInfo(0, None, None, False, ExtAck())
    (err,) = _INT.unpack_from(buf, p)
    ext = ExtAck()
    if m.flags & C.NLM_F_ACK_TLVS and p + 4 < end:
        ext = ExtAck.parse(Attrs(buf, p + 4, end))
    return ErrorInfo(err, None, None, False, ext)


# -- encoding (for fake peers, fixtures and round-trip tests) ------------------
def encode_extack(ext: ExtAck | None) -> bytes:
    """The NLMSGERR_ATTR_* TLVs of *ext* (MSG, OFFS, COOKIE, POLICY, MISS_TYPE, MISS_NEST, then unknown ones)."""
    if not ext:
        return b""
    out = []
    if ext.msg is not None:
        out.append(_attr(C.NLMSGERR_ATTR_MSG, ext.msg.encode() + b"\0"))
    if ext.offset is not None:
        out.append(_attr(C.NLMSGERR_ATTR_OFFS, struct.pack("=I", ext.offset)))
    if ext.cookie is not None:
        out.append(_attr(C.NLMSGERR_ATTR_COOKIE, ext.cookie))
    if ext.policy is not None:
        out.append(_attr(C.NLMSGERR_ATTR_POLICY, b"".join(_attr(t, v) for t, v in ext.policy.items()), nested=True))
    if ext.miss_type is not None:
        out.append(_attr(C.NLMSGERR_ATTR_MISS_TYPE, struct.pack("=I", ext.miss_type)))
    if ext.miss_nest is not None:
        out.append(_attr(C.NLMSGERR_ATTR_MISS_NEST, struct.pack("=I", ext.miss_nest)))
    for t, v in ext.unknown.items():
        out.append(_attr(t, v))
    return b"".join(out)


def encode_error(request: bytes, error: int, *, capped: bool = False, extack: ExtAck | None = None,
                 seq: int | None = None, pid: int | None = None, flags: int = 0) -> bytes:
    """An NLMSG_ERROR answering *request* (its encoded bytes) as netlink_ack builds it.

    *error* is the value as sent: 0 for an ACK, a negative errno otherwise.
    Uncapped errors echo the whole request; capped ones (and the kernel's
    ACKs) only its header, with NLM_F_CAPPED.  Extack TLVs set NLM_F_ACK_TLVS.
    """
    if len(request) < HDRLEN:
        raise ValueError(f"request of {len(request)} bytes has no nlmsghdr")
    hdr = NLMSGHDR.unpack(request)
    rlen, rseq, rpid = hdr.nlmsg_len, hdr.nlmsg_seq, hdr.nlmsg_pid
    if capped:
        echo, flags = bytes(request[:HDRLEN]), flags | C.NLM_F_CAPPED
    else:
        echo = bytes(request[:rlen])
        echo += b"\0" * (align(len(echo)) - len(echo))
    tlvs = encode_extack(extack)
    if tlvs:
        flags |= C.NLM_F_ACK_TLVS
    payload = _INT.pack(error) + echo + tlvs
    return _encode(C.NLMSG_ERROR, flags, payload, rseq if seq is None else seq, rpid if pid is None else pid)


def encode_done(seq: int, pid: int, error: int = 0, *, extack: ExtAck | None = None,
                flags: int = C.NLM_F_MULTI) -> bytes:
    """NLMSG_DONE ending a dump: the int error as sent (0 or -errno), then extack TLVs."""
    tlvs = encode_extack(extack)
    if tlvs:
        flags |= C.NLM_F_ACK_TLVS
    return _encode(C.NLMSG_DONE, flags, _INT.pack(error) + tlvs, seq, pid)
