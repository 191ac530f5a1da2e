"""Bulk ("columnar") decoding of dump datagrams: chosen fields of every message at once.

The lazy `Message`/`Attrs` view costs a few Python objects per message; for a
dump of 100k routes that dominates.  `ColumnDecoder` instead hands a whole
datagram to the binding's `np_scan` (one C call per ~32 KiB: split, check
seq/pid, index the requested attribute types, read scalars) and turns the
result into one Python list per field with list slicing and comprehensions.
No I/O here, and no protocol decisions: `codec.exchange` says which scanned
messages answer the dump, `Dump.columns` feeds them in.
"""
from __future__ import annotations

import struct
from array import array
from collections.abc import Iterable
from typing import Any

from ..sys import ffi, lib
from . import rtnl as R
from .address_column import AddressColumn
from .exchange import Scanned
from .layouts import Layout
from .message import HDRLEN

_SIGNED = {"s32": 1 << 32, "s64": 1 << 64}


_UNSIGNED = ("u8", "u16", "u32", "u64")


class ColumnDecoder:
    """Decode *names* (header fields of *layout* and attribute names of *space*) from whole datagrams.

    Attribute values are typed by `codec.rtnl.KIND` (integers, "ip" and "mac"
    as text, "str"); an absent attribute is None; anything else is bytes.
    With *arrays*, integer columns are `array.array`s filled in C, without a
    Python int per cell: header fields in their C type, unsigned attributes
    as 'Q' (an absent one reads 0; ``present[name]`` has 1 where it was there),
    and address columns as `AddressColumn`s (raw addresses, formatted when read).
    """

    def __init__(self, layout: Layout, space: str, names: Iterable[str], arrays: bool = False) -> None:
        self.layout = layout
        self.arrays = arrays
        attr_numbers = {v: k for k, v in R.space_names(space).items()}
        self.header: list[tuple[str, int, struct.Struct | None]] = []
        self.attrs: list[tuple[str, int, str | None]] = []
        for name in names:
            if name in layout.fields:
                off, st = _field_offset(layout, name)
                self.header.append((name, off, st))
            elif name in attr_numbers:
                self.attrs.append((name, attr_numbers[name], R.KIND.get(name)))
            else:
                raise ValueError(f"{name!r} is neither a field of {layout.name} nor an attribute of {space}")
        self.nt = len(self.attrs)
        self._types = ffi.new("uint16_t[]", [t for _, t, _ in self.attrs] or [0])
        self._summary = ffi.new("uint32_t[3]")  # np_scan writes 3
        self._cap = 0
        self._text_cap = 0
        self._scratch_cap = 0
        self.columns: dict[str, Any] = {n: [] for n in names}  # lists, or arrays (see `arrays`)
        self.present: dict[str, array[int]] = {}
        self._codes = {name: "B" if st is None else st.format[-1] for name, _, st in self.header}
        if arrays:
            for name, _off, _st in self.header:
                self.columns[name] = array(self._codes[name])
            for name, _t, kind in self.attrs:
                if kind in _UNSIGNED:
                    self.columns[name] = array("Q")
                    self.present[name] = array("B")
                elif kind == "ip":
                    self.columns[name] = AddressColumn()
        self._scanned: tuple[bytes, int, int] = (b"", 0, 0)

    def _ensure(self, n: int) -> None:
        if n > self._cap:
            self._cap = n
            self._msg = ffi.new("uint32_t[]", 4 * n)
            self._off = ffi.new("uint32_t[]", max(self.nt, 1) * n)
            self._val = ffi.new("uint64_t[]", max(self.nt, 1) * n)
            self._len = ffi.new("uint32_t[]", max(self.nt, 1) * n)
            self._present = ffi.new("uint32_t[]", max(self.nt, 1))

    def _scratch(self, size: int) -> Any:
        if size > self._scratch_cap:
            self._scratch_cap = size
            self._scratchbuf = ffi.new("uint8_t[]", size)
        return self._scratchbuf

    def _text(self, count: int) -> Any:
        if count > self._text_cap:
            self._text_cap = count
            self._textbuf = ffi.new("char[]", 46 * count)
        return self._textbuf

    def scan(self, data: bytes, seq: int, pid: int) -> Scanned | None:
        """Index every message of one datagram (one C call): `codec.exchange.Scanned`, whose table has
        (offset, length, type, flags) of each message.

        None when a message is malformed or its seq or port id is not *seq*,
        *pid*: `codec.exchange` then classifies the datagram message by message.
        Which messages are replies is the exchange's decision, not the scanner's.
        """
        cap = len(data) // HDRLEN + 1
        self._ensure(cap)
        self._buf = buf = ffi.from_buffer(data)
        summary = self._summary
        n = lib.np_scan(buf, len(data), seq, pid, self.layout.size, self._types, self.nt,
                        self._msg, self._off, self._len, self._val, self._present, cap, summary)
        if n < 0:
            return None
        # an array, not a list: no Python int per entry; codec.exchange only slices it and reads a few items
        flat = array("I")
        flat.frombytes(ffi.buffer(self._msg, 16 * n))
        self._scanned = (data, n, cap)
        return flat, summary[0], summary[1]

    def take(self, data: bytes, k: int) -> None:
        """Append the first *k* messages of the datagram just scanned (data messages all) to the columns."""
        scanned, n, cap = self._scanned
        if scanned is not data:
            raise ValueError("take() reads the datagram of the last scan()")
        if not k:
            return
        cols = self.columns
        for name, off, st in self.header:  # gathered in C, packed as the C type
            size = 1 if st is None else st.size
            out = self._scratch(size * k)
            lib.np_gather(self._buf, self._msg, k, HDRLEN + off, size, out)
            if self.arrays:
                cols[name].frombytes(ffi.buffer(out, size * k))
            else:
                packed = array(self._codes[name])
                packed.frombytes(ffi.buffer(out, size * k))
                cols[name] += packed.tolist()
        for j, (name, _t, kind) in enumerate(self.attrs):  # column j starts at j * cap
            c = j * cap
            everywhere = k == n and self._present[j] == n
            if self.arrays and kind in _UNSIGNED:
                cols[name].frombytes(ffi.buffer(self._val + c, 8 * k))
                out = self._scratch(k)
                lib.np_present(self._off + c, k, out)
                self.present[name].frombytes(ffi.buffer(out, k))
            elif kind in _UNSIGNED:
                vals = ffi.unpack(self._val + c, k)
                cols[name] += vals if everywhere else [v if o else None
                                                       for v, o in zip(vals, ffi.unpack(self._off + c, k))]
            elif kind in _SIGNED:
                top = _SIGNED[kind]
                offs = ffi.unpack(self._off + c, k)
                cols[name] += [(v - top if v >= top >> 1 else v) if o else None
                               for v, o in zip(ffi.unpack(self._val + c, k), offs)]
            elif self.arrays and kind == "ip":  # copied in C, formatted when read
                cols[name].extend_scanned(self._buf, self._off + c, self._len + c, k)
            elif kind == "ip":  # formatted in C, one call per datagram
                out = self._text(k)
                w = lib.np_format_ip(self._buf, self._off + c, self._len + c, k, out)
                texts = ffi.buffer(out, w)[:-1].decode("ascii").split("\0")
                cols[name] += [t or None for t in texts] if "" in texts else texts  # "": absent or not an address
            else:
                view = memoryview(data)
                cols[name] += [None if not o else R.value(name, view[o:o + ln])
                               for o, ln in zip(ffi.unpack(self._off + c, k), ffi.unpack(self._len + c, k))]


def _field_offset(layout: Layout, name: str) -> tuple[int, struct.Struct | None]:
    """Byte offset of a header field in the payload, and a Struct to read it (None for one byte)."""
    t = ffi.typeof(layout.ctype)
    for fname, f in t.fields:
        if fname == name:
            size = ffi.sizeof(f.type)
            if size == 1:
                return f.offset, None
            code = Layout._code(f.type)
            return f.offset, struct.Struct("=" + code)
    raise ValueError(name)


__all__ = ["ColumnDecoder"]
