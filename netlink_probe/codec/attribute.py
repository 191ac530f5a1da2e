"""Netlink attributes (struct nlattr TLVs): a lazy index for decoding, helpers for encoding.

Decoding never copies or converts a value until asked: `Attrs` records where
each attribute lies in the receive buffer and `get`/`u32`/`str`/`nested`
read it on demand.  Every length is checked; a malformed TLV raises
`DecodeError` with its absolute offset.
"""
from __future__ import annotations

import struct

from .. import constants as C
from .errors import DecodeError

NLA_F_NESTED = C.NLA_F_NESTED
NLA_F_NET_BYTEORDER = C.NLA_F_NET_BYTEORDER
NLA_TYPE_MASK = C.NLA_TYPE_MASK & 0xFFFF  # ~(NESTED|NET_BYTEORDER) is negative as a C int
NLA_ALIGNTO = C.NLA_ALIGNTO
_HDR = struct.Struct("=HH")
_U8, _U16, _U32, _U64 = struct.Struct("=B"), struct.Struct("=H"), struct.Struct("=I"), struct.Struct("=Q")
_S32, _S64 = struct.Struct("=i"), struct.Struct("=q")
_BE16, _BE32 = struct.Struct(">H"), struct.Struct(">I")


def align(n: int) -> int:
    return (n + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1)


class Attr:
    """One attribute as found in the buffer: its type number, flags and value bytes."""

    __slots__ = ("type", "flags", "offset", "value")

    def __init__(self, type_word: int, offset: int, value: memoryview):
        self.type = type_word & NLA_TYPE_MASK
        self.flags = type_word & ~NLA_TYPE_MASK & 0xFFFF
        self.offset = offset  # of the nlattr header, in the receive buffer
        self.value = value

    @property
    def nested_flag(self) -> bool:
        return bool(self.flags & NLA_F_NESTED)

    @property
    def net_byteorder(self) -> bool:
        return bool(self.flags & NLA_F_NET_BYTEORDER)

    def nested(self) -> "Attrs":
        return Attrs(self.value.obj if hasattr(self.value, "obj") else self.value,
                     self.offset + 4, self.offset + 4 + len(self.value))

    def __repr__(self) -> str:
        return f"Attr(type={self.type}, flags={self.flags:#x}, len={len(self.value)}, offset={self.offset})"


class Attrs:
    """The attributes between *start* and *end* of *buf*, indexed on first use."""

    __slots__ = ("buf", "start", "end", "_first", "_all")

    def __init__(self, buf, start: int, end: int):
        self.buf = buf
        self.start = start
        self.end = end
        self._first: dict[int, tuple[int, int]] | None = None
        self._all: list[tuple[int, int, int]] | None = None

    # -- indexing -------------------------------------------------------
    def _index(self) -> None:
        buf, off, end = self.buf, self.start, self.end
        if end > len(buf):
            raise DecodeError(off, f"attributes end at {end}, past the buffer ({len(buf)} bytes)")
        entries: list[tuple[int, int, int]] = []
        first: dict[int, tuple[int, int]] = {}
        while off + 4 <= end:
            alen, atype = _HDR.unpack_from(buf, off)
            if alen < 4:
                raise DecodeError(off, f"nla_len {alen} is below the 4-byte header")
            if off + alen > end:
                raise DecodeError(off, f"nla_len {alen} runs past its parent (ends at {end})")
            entries.append((atype, off, alen))
            t = atype & NLA_TYPE_MASK
            if t not in first:
                first[t] = (off + 4, off + alen)
            off += (alen + 3) & ~3
        if off < end and end - off < 4 and any(buf[off:end]):
            raise DecodeError(off, f"{end - off} trailing bytes after the last attribute")
        self._all, self._first = entries, first

    def __iter__(self):
        if self._all is None:
            self._index()
        mv = memoryview(self.buf)
        for atype, off, alen in self._all:
            yield Attr(atype, off, mv[off + 4: off + alen])

    def __len__(self) -> int:
        if self._all is None:
            self._index()
        return len(self._all)

    def __contains__(self, t: int) -> bool:
        if self._first is None:
            self._index()
        return t in self._first

    def types(self) -> list[int]:
        """Type numbers in wire order (flags masked), repeats included."""
        if self._all is None:
            self._index()
        return [a & NLA_TYPE_MASK for a, _, _ in self._all]

    def span(self, t: int) -> tuple[int, int] | None:
        if self._first is None:
            self._index()
        return self._first.get(t)

    # -- values ---------------------------------------------------------
    def get(self, t: int, default=None):
        """Value bytes of the first attribute of type *t* (a memoryview), or *default*."""
        sp = self.span(t)
        if sp is None:
            return default
        return memoryview(self.buf)[sp[0]:sp[1]]

    def get_all(self, t: int) -> list[memoryview]:
        return [a.value for a in self if a.type == t]

    def _scalar(self, t: int, st: struct.Struct, default):
        sp = self.span(t)
        if sp is None:
            return default
        if sp[1] - sp[0] < st.size:
            raise DecodeError(sp[0] - 4, f"attribute {t} has {sp[1] - sp[0]} bytes, needs {st.size}")
        return st.unpack_from(self.buf, sp[0])[0]

    def u8(self, t, default=None): return self._scalar(t, _U8, default)
    def u16(self, t, default=None): return self._scalar(t, _U16, default)
    def u32(self, t, default=None): return self._scalar(t, _U32, default)
    def u64(self, t, default=None): return self._scalar(t, _U64, default)
    def s32(self, t, default=None): return self._scalar(t, _S32, default)
    def s64(self, t, default=None): return self._scalar(t, _S64, default)
    def be16(self, t, default=None): return self._scalar(t, _BE16, default)
    def be32(self, t, default=None): return self._scalar(t, _BE32, default)

    def str(self, t: int, default=None):
        """A NUL-terminated string attribute, decoded as UTF-8 (bytes after the first NUL ignored)."""
        v = self.get(t)
        if v is None:
            return default
        b = bytes(v)
        nul = b.find(b"\0")
        return (b if nul < 0 else b[:nul]).decode("utf-8", "replace")

    def bytes(self, t: int, default=None):
        v = self.get(t)
        return default if v is None else bytes(v)

    def flag(self, t: int) -> bool:
        return t in self

    def nested(self, t: int) -> "Attrs | None":
        sp = self.span(t)
        return None if sp is None else Attrs(self.buf, sp[0], sp[1])


# -- encoding -----------------------------------------------------------
def attr(t: int, value: bytes = b"", *, nested: bool = False, net_byteorder: bool = False) -> bytes:
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
    return attr(t, b"".join(children), nested=True)


def u8(t, v): return attr(t, _U8.pack(v))
def u16(t, v): return attr(t, _U16.pack(v))
def u32(t, v): return attr(t, _U32.pack(v))
def u64(t, v): return attr(t, _U64.pack(v))
def s32(t, v): return attr(t, _S32.pack(v))
def be16(t, v): return attr(t, _BE16.pack(v), net_byteorder=False)
def be32(t, v): return attr(t, _BE32.pack(v))
def string(t, s: str): return attr(t, s.encode() + b"\0")
def flag(t): return attr(t, b"")
