"""Leaf values that need no attribute-space table: integers by type name, text, link-layer and IP addresses.

`schema.decode` reads table-typed values with these; the renderers and the
`Attrs` getters call them directly, without importing the tables (~15 ms).
"""
from __future__ import annotations

import ipaddress
import struct

from .buffer import Buffer

# The fixed-size integer types of the tables (`schema.model`), by name: host order, and be* big-endian.
INTS: dict[str, struct.Struct] = {t: struct.Struct(c) for t, c in (
    ("u8", "=B"), ("u16", "=H"), ("u32", "=I"), ("u64", "=Q"), ("s8", "=b"), ("s16", "=h"), ("s32", "=i"),
    ("s64", "=q"), ("be16", ">H"), ("be32", ">I"), ("be64", ">Q"))}


def text(raw: Buffer) -> str:
    """A NUL-terminated string value (bytes after the first NUL ignored), as UTF-8."""
    return bytes(raw).split(b"\0", 1)[0].decode("utf-8", "replace")


def mac(raw: Buffer) -> str:
    """'02:00:00:00:00:01' (lower-case hex, colon-separated; any length)."""
    return bytes(raw).hex(":")


def ip(raw: Buffer) -> str:
    """An IPv4 or IPv6 address as inet_ntop writes it; other lengths as plain hex."""
    b = bytes(raw)
    if len(b) == 4:
        return "%d.%d.%d.%d" % (b[0], b[1], b[2], b[3])  # inet_ntop's text, without importing socket (~5 ms)
    if len(b) == 16:
        return str(ipaddress.IPv6Address(b))
    return b.hex()


__all__ = ["INTS", "ip", "mac", "text"]
