"""RTA_MULTIPATH: a run of struct rtnexthop, each followed by its own RTA_* attributes.

The one parser of next hops: the codec's `decode` users, the `decode`
command's attribute tree and the ip-style route rendering all read them here,
so a malformed run raises the same `DecodeError` everywhere.
"""
from __future__ import annotations

from typing import Any

from .. import constants as C
from . import layouts as L
from .attribute import Attrs
from .buffer import Buffer
from .errors import DecodeError


def nexthops(buf: Buffer, start: int, end: int) -> list[dict[str, Any]]:
    """The rtnexthop entries in *buf* [start, end): rtnexthop fields plus ``attrs`` (an `Attrs`).

    DecodeError (with the absolute offset) when an rtnh_len is below the
    struct or runs past *end*, or when bytes too few for another entry are left.
    """
    size = L.RTNEXTHOP.size
    out = []
    off = start
    while off + size <= end:
        hop = L.RTNEXTHOP.unpack_dict(buf, off, end)
        ln = hop["rtnh_len"]
        if ln < size:
            raise DecodeError(off, f"rtnh_len {ln} is below the {size}-byte rtnexthop")
        if off + ln > end:
            raise DecodeError(off, f"rtnh_len {ln} runs past RTA_MULTIPATH (ends at {end})")
        hop["attrs"] = Attrs(buf, off + size, off + ln)
        out.append(hop)
        off += (ln + 3) & ~3
    if off < end:
        raise DecodeError(off, f"{end - off} trailing bytes in RTA_MULTIPATH")
    return out


def multipath(attrs: Attrs, t: int = C.RTA_MULTIPATH) -> list[dict[str, Any]] | None:
    """The next hops of the RTA_MULTIPATH attribute (type *t*) of *attrs*, or None when it has none.

    Each entry is the rtnexthop fields (rtnh_len, rtnh_flags, rtnh_hops,
    rtnh_ifindex) plus ``attrs``, an `Attrs` over the entry's attributes
    (RTA_GATEWAY ...).  Malformed entries raise DecodeError (see `nexthops`).
    """
    span = attrs.span(t)
    if span is None:
        return None
    return nexthops(attrs.buf, span[0], span[1])


__all__ = ["multipath", "nexthops"]
