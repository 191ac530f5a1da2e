"""Netlink attributes (struct nlattr TLVs): a lazy index for decoding, helpers for encoding.

Decoding never copies or converts a value until asked: `Attrs` records where
each attribute lies in the receive buffer and `get`/`u32`/`str`/`nested`
read it on demand.  Every length is checked; a malformed TLV raises
`DecodeError` with its absolute offset.
"""
from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from typing import Any

from .. import constants as C
from ._fastmsg import AttrsBase
from .buffer import Buffer
from .errors import DecodeError
from .scalars import ip as _ip

NLA_F_NESTED = C.NLA_F_NESTED
NLA_F_NET_BYTEORDER = C.NLA_F_NET_BYTEORDER
NLA_TYPE_MASK = C.NLA_TYPE_MASK & 0xFFFF  # ~(NESTED|NET_BYTEORDER) is negative as a C int
NLA_ALIGNTO = C.NLA_ALIGNTO
_HDR = struct.Struct("=HH")
__all__ = ["NLA_ALIGNTO", "NLA_F_NESTED", "NLA_F_NET_BYTEORDER", "NLA_TYPE_MASK", "Attr", "Attrs", "align", "attr",
           "be16", "be32", "flag", "nest", "s32", "string", "u16", "u32", "u64", "u8"]
_U8, _U16, _U32, _U64 = struct.Struct("=B"), struct.Struct("=H"), struct.Struct("=I"), struct.Struct("=Q")
_S32, _S64 = struct.Struct("=i"), struct.Struct("=q")
_BE16, _BE32 = struct.Struct(">H"), struct.Struct(">I")
# nla_len and a value after the 4-byte header, read in one unpack (value lookups are the hot path)
_LU8, _LU16, _LU32, _LU64 = (struct.Struct("=Hxx" + c) for c in "BHIQ")
_LS32, _LS64 = struct.Struct("=Hxxi"), struct.Struct("=Hxxq")


def align(n: int) -> int:
    """*n* rounded up to NLA_ALIGNTO (4): where the next attribute starts."""
    return (n + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1)


class Attr(tuple[int, int, Any, int, Any]):
    """One attribute as found in the buffer: its type number, flags and value bytes.

    A light tuple (type word, header offset, buffer, nla_len, value) built
    without copying: ``value`` is sliced from the buffer on first access.
    ``offset`` is that of the nlattr header in ``buf``; keeping ``buf`` lets
    `nested` index the right bytes even when it is a slice of a larger buffer.
    """

    __slots__ = ()

    def __new__(cls, type_word: int, offset: int, value: Buffer, buf: Buffer | None = None) -> Attr:
        return tuple.__new__(cls, (type_word, offset, buf, len(value) + 4, value))

    @property
    def type(self) -> int:
        """The type number, NESTED/NET_BYTEORDER flags masked off."""
        return self[0] & NLA_TYPE_MASK

    @property
    def flags(self) -> int:
        """The NLA_F_* flag bits of the type word alone."""
        return self[0] & ~NLA_TYPE_MASK & 0xFFFF

    @property
    def type_word(self) -> int:
        """nla_type as sent: the type number with its NESTED/NET_BYTEORDER flags."""
        return self[0]

    @property
    def offset(self) -> int:
        """Offset of the nlattr header in `buf`: what an extack offset points at."""
        return self[1]

    @property
    def buf(self) -> Buffer | None:
        """The receive buffer the attribute was found in (None when built from a value alone)."""
        b: Buffer | None = self[2]
        return b

    @property
    def value(self) -> memoryview:
        """The value bytes after the 4-byte header, without padding: sliced on first access, never copied."""
        v: memoryview | None = self[4]
        if v is None:
            off = self[1]
            v = memoryview(self[2])[off + 4: off + self[3]]
        return v

    @property
    def nested_flag(self) -> bool:
        """Whether the sender set NLA_F_NESTED (the kernel does not always; see `nested`)."""
        return bool(self[0] & NLA_F_NESTED)

    @property
    def net_byteorder(self) -> bool:
        """Whether the sender set NLA_F_NET_BYTEORDER (value in big-endian)."""
        return bool(self[0] & NLA_F_NET_BYTEORDER)

    def nested(self) -> "Attrs":
        """The value as a run of attributes (whatever the NESTED flag says)."""
        buf = self[2]
        if buf is None:  # built by hand from a value alone: offsets relative to the value
            v: Buffer = self[4]
            return Attrs(v, 0, len(v))
        return Attrs(buf, self[1] + 4, self[1] + self[3])

    def __repr__(self) -> str:
        return f"Attr(type={self.type}, flags={self.flags:#x}, len={self[3] - 4}, offset={self[1]})"


_new_attr: Any = tuple.__new__  # Attr without __new__'s call: the hot path of iteration


def _span_error(buf: Buffer, start: int, end: int) -> DecodeError:
    """Why [start, end) is not a run of attributes inside *buf* (asked once it is known not to be)."""
    if start < 0 or start > end:
        return DecodeError(max(start, 0), f"attribute run [{start}, {end}) is empty or reversed")
    return DecodeError(start, f"attributes end at {end}, past the buffer ({len(buf)} bytes)")


class Attrs(AttrsBase):
    """The attributes between *start* and *end* of *buf*, indexed on first use.

    The index is one pass over the TLV headers that checks every length and
    records, per type number (flags masked), the offset of its first
    attribute; values are read only when asked.  The full list (repeats,
    order, flags) is built on first iteration.  The fields live in a C base
    (`codec._fastmsg.AttrsBase`), shared with the dump's `IndexedAttrs`.
    """

    __slots__ = ()

    def __init__(self, buf: Buffer, start: int, end: int) -> None:
        self.buf = buf
        self.start = start
        self.end = end
        self._first = None  # type -> offset of its first nlattr header
        self._all = None  # (type word, offset, nla_len) in wire order
        self._mv = None

    def __reduce__(self) -> tuple[Any, ...]:
        return Attrs, (self.buf, self.start, self.end)

    # -- indexing -------------------------------------------------------
    def _index(self) -> dict[int, int]:
        buf, off, end = self.buf, self.start, self.end
        if off < 0 or end > len(buf):
            raise _span_error(buf, off, end)
        first: dict[int, int] = {}
        unpack = _HDR.unpack_from
        while off + 4 <= end:
            alen, atype = unpack(buf, off)
            if alen < 4:
                raise DecodeError(off, f"nla_len {alen} is below the 4-byte header")
            if off + alen > end:
                raise DecodeError(off, f"nla_len {alen} runs past its parent (ends at {end})")
            t = atype & NLA_TYPE_MASK
            if t not in first:
                first[t] = off
            off += (alen + 3) & ~3
        if off < end and any(buf[off:end]):
            raise DecodeError(off, f"{end - off} trailing bytes after the last attribute")
        self._first = first
        return first

    def _entries(self) -> list[tuple[int, int, int]]:
        """(type word, offset, nla_len) of every attribute, in wire order (validated by _index first)."""
        if self._first is None:
            self._index()
        return self._walk()

    def _walk(self) -> list[tuple[int, int, int]]:
        """`_entries` of a run already validated: one pass over the TLV headers, kept in ``_all``."""
        buf, off, end = self.buf, self.start, self.end
        unpack = _HDR.unpack_from
        out: list[tuple[int, int, int]] = []
        append = out.append
        while off + 4 <= end:
            alen, atype = unpack(buf, off)
            append((atype, off, alen))
            off += (alen + 3) & ~3
        self._all = out
        return out

    def __iter__(self) -> Iterator[Attr]:
        entries = self._all if self._all is not None else self._entries()
        buf = self.buf
        for atype, off, alen in entries:
            yield _new_attr(Attr, (atype, off, buf, alen, None))

    def __len__(self) -> int:
        return len(self._all if self._all is not None else self._entries())

    def _firsts(self) -> dict[int, int]:
        """type -> offset of its first attribute (get/_scalar inline this: they are the hot path)."""
        return self._first if self._first is not None else self._index()

    def __contains__(self, t: int) -> bool:
        return t in self._firsts()

    def __repr__(self) -> str:
        return f"Attrs([{self.start}, {self.end}))"

    def types(self) -> list[int]:
        """Type numbers in wire order (flags masked), repeats included."""
        entries = self._all if self._all is not None else self._entries()
        return [a & NLA_TYPE_MASK for a, _, _ in entries]

    def offset(self, t: int) -> int | None:
        """Offset in the buffer of the nlattr header of the first attribute of type *t*."""
        return self._firsts().get(t)

    def span(self, t: int) -> tuple[int, int] | None:
        """(start, end) in the buffer of the value of the first attribute of type *t*."""
        off = self._firsts().get(t)
        if off is None:
            return None
        return off + 4, off + _HDR.unpack_from(self.buf, off)[0]

    # -- values ---------------------------------------------------------
    def get(self, t: int, default: Any = None) -> Any:
        """Value bytes of the first attribute of type *t* (a memoryview), or *default*."""
        first = self._first
        if first is None:
            first = self._index()
        off = first.get(t)
        if off is None:
            return default
        mv = self._mv
        if mv is None:
            mv = self._mv = memoryview(self.buf)
        return mv[off + 4: off + _HDR.unpack_from(self.buf, off)[0]]

    def get_all(self, t: int) -> list[memoryview]:
        """Value bytes of every attribute of type *t*, in wire order (repeated attributes)."""
        return [a.value for a in self if a.type == t]

    def _scalar(self, t: int, st: struct.Struct, default: Any) -> Any:
        first = self._first
        if first is None:
            first = self._index()
        off = first.get(t)
        if off is None:
            return default
        try:  # one unpack: nla_len, then the value after the 4-byte header
            alen, v = st.unpack_from(self.buf, off)
        except struct.error:
            alen, v = _HDR.unpack_from(self.buf, off)[0], None
        if alen < st.size:
            raise DecodeError(off, f"attribute {t} has {alen - 4} bytes, needs {st.size - 4}")
        return v

    def u8(self, t: int, default: Any = None) -> Any:
        """The first attribute of type *t* as an unsigned 8-bit int, or *default*; DecodeError if too short."""
        return self._scalar(t, _LU8, default)

    def u16(self, t: int, default: Any = None) -> Any:
        """The first attribute of type *t* as a host-order u16, or *default*; DecodeError if too short."""
        return self._scalar(t, _LU16, default)

    def u32(self, t: int, default: Any = None) -> Any:
        """The first attribute of type *t* as a host-order u32, or *default*; DecodeError if too short."""
        first = self._first  # _scalar inlined: the most common lookup
        if first is None:
            first = self._index()
        off = first.get(t)
        if off is None:
            return default
        try:
            alen, v = _LU32.unpack_from(self.buf, off)
        except struct.error:
            alen, v = _HDR.unpack_from(self.buf, off)[0], None
        if alen < 8:
            raise DecodeError(off, f"attribute {t} has {alen - 4} bytes, needs 4")
        return v

    def u64(self, t: int, default: Any = None) -> Any:
        """The first attribute of type *t* as a host-order u64, or *default*; DecodeError if too short."""
        return self._scalar(t, _LU64, default)

    def s32(self, t: int, default: Any = None) -> Any:
        """The first attribute of type *t* as a signed 32-bit int, or *default*; DecodeError if too short."""
        return self._scalar(t, _LS32, default)

    def s64(self, t: int, default: Any = None) -> Any:
        """The first attribute of type *t* as a signed 64-bit int, or *default*; DecodeError if too short."""
        return self._scalar(t, _LS64, default)

    def be16(self, t: int, default: Any = None) -> Any:
        """The first attribute of type *t* as a big-endian u16 (ports), or *default*."""
        v = self._scalar(t, _LU16, None)
        return default if v is None else ((v & 0xFF) << 8) | (v >> 8)

    def be32(self, t: int, default: Any = None) -> Any:
        """The first attribute of type *t* as a big-endian u32 (VNIs, IPv4 as a number), or *default*."""
        v = self._scalar(t, _LU32, None)
        return default if v is None else int.from_bytes(v.to_bytes(4, "little"), "big")

    def str(self, t: int, default: Any = None) -> Any:
        """A NUL-terminated string attribute, decoded as UTF-8 (bytes after the first NUL ignored)."""
        v = self.get(t)
        if v is None:
            return default
        b = bytes(v)
        nul = b.find(b"\0")
        return (b if nul < 0 else b[:nul]).decode("utf-8", "replace")

    def ip(self, t: int, default: Any = None) -> Any:
        """The first attribute of type *t* as an address in text (IPv4 and IPv6 as `codec.values.ip` writes
        them, other lengths as hex), or *default*."""
        v = self.get(t)
        if v is None:
            return default
        return _ip(v)

    def bytes(self, t: int, default: Any = None) -> Any:
        """The first attribute of type *t* as a copy (bytes), or *default*."""
        v = self.get(t)
        return default if v is None else bytes(v)

    def flag(self, t: int) -> bool:
        """Whether an attribute of type *t* is present: a flag attribute carries no value."""
        return t in self

    def nested(self, t: int) -> "Attrs | None":
        """The value of the first attribute of type *t* as a run of attributes, or None when absent."""
        sp = self.span(t)
        return None if sp is None else Attrs(self.buf, sp[0], sp[1])


# -- encoding -----------------------------------------------------------
def attr(t: int, value: Buffer | Iterable[bytes] = b"", *, nested: bool = False, net_byteorder: bool = False) -> bytes:
    """One attribute with its padding; *value* may be bytes or an iterable of encoded attributes."""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        value = b"".join(value)
    if not 0 <= t <= NLA_TYPE_MASK:
        raise ValueError(f"attribute type {t} out of range 0..{NLA_TYPE_MASK}")
    length = 4 + len(value)
    if length > 0xFFFF:
        raise ValueError(f"attribute {t} too long ({length} bytes)")
    tw = t | (NLA_F_NESTED if nested else 0) | (NLA_F_NET_BYTEORDER if net_byteorder else 0)
    return _HDR.pack(length, tw) + bytes(value) + b"\0" * (align(length) - length)


def nest(t: int, *children: bytes) -> bytes:
    """A nested attribute (NLA_F_NESTED set) holding the encoded *children*."""
    return attr(t, b"".join(children), nested=True)


def u8(t: int, v: int) -> bytes:
    """An attribute holding *v* as u8."""
    return attr(t, _U8.pack(v))


def u16(t: int, v: int) -> bytes:
    """An attribute holding *v* as a host-order u16."""
    return attr(t, _U16.pack(v))


def u32(t: int, v: int) -> bytes:
    """An attribute holding *v* as a host-order u32."""
    return attr(t, _U32.pack(v))


def u64(t: int, v: int) -> bytes:
    """An attribute holding *v* as a host-order u64."""
    return attr(t, _U64.pack(v))


def s32(t: int, v: int) -> bytes:
    """An attribute holding *v* as a signed 32-bit int."""
    return attr(t, _S32.pack(v))


def be16(t: int, v: int) -> bytes:
    """An attribute holding *v* as a big-endian u16 (ports); the NET_BYTEORDER flag is left clear."""
    return attr(t, _BE16.pack(v), net_byteorder=False)


def be32(t: int, v: int) -> bytes:
    """An attribute holding *v* as a big-endian u32."""
    return attr(t, _BE32.pack(v))


def string(t: int, s: str) -> bytes:
    """A NUL-terminated string attribute (NLA_NUL_STRING / NLA_STRING both accept it)."""
    return attr(t, s.encode() + b"\0")


def flag(t: int) -> bytes:
    """A flag attribute: present means set, no value."""
    return attr(t, b"")
