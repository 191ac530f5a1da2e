"""Routes as ``dump routes --json`` prints them, rendered per datagram from bulk columns: the CLI's fast path.

`routes.route_json` builds a dict per route and json writes it: about 30 µs
a route.  Here one dump datagram (~600 IPv4 routes) is decoded at once by
`codec.columns.ColumnDecoder`, and each route's element text comes from a
*template*: the text `route_json` gives for routes of the same *shape* (the
rtmsg header, the table, RTA_PREF, the output device, which of RTA_DST,
RTA_GATEWAY, RTA_PREFSRC and RTA_PRIORITY are present), with the route's
own addresses and metric filled in.  A template is made by rendering the
shape's first route with `route_json` itself (values swapped for markers),
and checked by rendering that route both ways: the output is byte for byte
`route_json`'s.  A route the template cannot stand for -- RTA_MULTIPATH,
RTA_SRC, RTA_NH_ID, RTA_MARK, RTA_UID or RTA_IIF present, an IPv6 address
inet_ntop writes with a dotted quad, a shape whose check failed, a datagram
the scanner could not take -- is rendered by `route_json`.

The dump is validated as every dump is (`codec.exchange`, through
`Socket.answer`); elements go to a `stream.JsonStream` datagram by datagram.
"""
from __future__ import annotations

import json
from array import array
from collections.abc import Callable
from typing import Any

from .. import codec
from .. import constants as C
from ..codec import layouts as L
from ..codec import rtnl as R
from ..codec.exchange import Kind, Outcome, Scanned
from ..codec.message import Message
from ..errors import DumpInterrupted, raise_for
from ..rtnl import Rtnl, dump_request
from ..socket import Socket
from ..sys import ffi, lib
from .links import Links
from .routes import route_json
from .stream import JsonStream, element_text

_SLOTS = ("RTA_DST", "RTA_GATEWAY", "RTA_PREFSRC", "RTA_PRIORITY")  # filled in per route, in output order
_SHAPE = ("RTA_OIF", "RTA_TABLE", "RTA_PREF")  # part of the shape
_RARE = ("RTA_MULTIPATH", "RTA_SRC", "RTA_NH_ID", "RTA_MARK", "RTA_UID", "RTA_IIF")  # route_json renders these
_NAMES = _SLOTS + _SHAPE + _RARE
_FIRST_RARE = len(_SLOTS + _SHAPE)  # the scanner's column of _RARE[0]
_MARK = [f"\x01{j}" for j in range(len(_SLOTS))]  # json writes "\u0001j": no name or address contains it
_HDR = codec.message.HDRLEN
_RTMSG = L.RTMSG.size
_FALLBACK = object()  # the shape's template failed its check: route_json renders every route of it
MAX_SHAPES = 4096  # templates kept; more distinct shapes start the cache afresh


class _Scan:
    """lib.np_scan over one datagram (the bulk decoder's C scanner, see codec/columns.py), and columns of it.

    Used directly rather than through `ColumnDecoder` for its per-column
    presence counts: a column no route of the datagram has costs nothing.
    """

    def __init__(self) -> None:
        numbers = {v: k for k, v in R.space_names("RTA_UNSPEC").items()}
        self.nt = len(_NAMES)
        self._types = ffi.new("uint16_t[]", [numbers[n] for n in _NAMES])
        self.cap = 0
        self.flat: array[int] = array("I")
        self.alike = 0
        self._join_cap = 0
        self.n = 0

    def __call__(self, data: bytes, seq: int, pid: int) -> Scanned | None:
        """`Exchange.receive_scanned`'s scan: (offset, length, type, flags) of every message, or None."""
        cap = len(data) // _HDR + 1
        if cap > self.cap:
            self.cap, nt = cap, self.nt
            self._msg = ffi.new("uint32_t[]", 4 * cap)
            self._off = ffi.new("uint32_t[]", nt * cap)
            self._val = ffi.new("uint64_t[]", nt * cap)
            self._len = ffi.new("uint32_t[]", nt * cap)
            self._present = ffi.new("uint32_t[]", nt)
            self._summary = ffi.new("uint32_t[3]")
            self._text = ffi.new("char[]", 46 * cap)
        self.buf = ffi.from_buffer(data)
        n = lib.np_scan(self.buf, len(data), seq, pid, _RTMSG, self._types, self.nt, self._msg, self._off, self._len,
                        self._val, self._present, self.cap, self._summary)
        if n < 0:
            return None
        self.n, self.alike = n, self._summary[2]
        self.flat = flat = array("I")  # an array, not a list: no Python int per entry
        flat.frombytes(ffi.buffer(self._msg, 16 * n))
        self.present = ffi.unpack(self._present, self.nt)
        return flat, self._summary[0], self._summary[1]

    def has(self, j: int, k: int) -> int:
        """How many of the first k messages have column j: k, 0, or -1 for some."""
        p = self.present[j]
        return k if p == k == self.n else 0 if p == 0 else -1

    def ints(self, j: int, k: int) -> list[Any]:
        """Column j as integers, None where absent."""
        c = j * self.cap
        has = self.has(j, k)
        if has == 0:
            return [None] * k
        vals: list[Any] = ffi.unpack(self._val + c, k)
        return vals if has == k else [v if o else None for v, o in zip(vals, ffi.unpack(self._off + c, k))]

    def ips(self, j: int, k: int) -> list[Any]:
        """Column j as address text (inet_ntop, in C), None where absent."""
        if self.has(j, k) == 0:
            return [None] * k
        c = j * self.cap
        w = lib.np_format_ip(self.buf, self._off + c, self._len + c, k, self._text)
        texts = ffi.buffer(self._text, w)[:-1].decode("ascii").split("\0")
        return texts if self.has(j, k) == k else [t or None for t in texts]

    def joined(self, j: int, k: int, sep: str) -> str:
        """Column j's first k addresses as text joined by *sep* (in C: no Python string per address)."""
        raw = sep.encode()
        size = k * (46 + len(raw))
        if size > self._join_cap:
            self._join_cap, self._join = size, ffi.new("char[]", size)
        c = j * self.cap
        w = lib.np_join_ip(self.buf, self._off + c, self._len + c, k, raw, len(raw), self._join)
        text: str = ffi.buffer(self._join, w)[:].decode()
        return text

    def rare(self, k: int) -> bool:
        """Whether any of the first k messages has an attribute only `route_json` renders."""
        return any(self.has(j, k) for j in range(_FIRST_RARE, self.nt))

    def absent(self, j: int, k: int) -> list[bool]:
        """Per message: column j absent."""
        return [not o for o in ffi.unpack(self._off + j * self.cap, k)]


class RouteRenderer:
    """Element texts of route messages as ``dump routes --json`` (or ``--json-lines``) writes them.

    *family* and *table*: `route_json`'s filter (0: any).  Routes the filter
    hides give no element.
    """

    def __init__(self, links: Links, *, family: int = C.AF_INET, table: int = C.RT_TABLE_MAIN, lines: bool = False,
                 details: bool = False, oif: int = 0):
        self.links, self.family, self.table, self.lines = links, family, table, lines
        # route_json's other options; each depends only on what the shape holds (header, RTA_OIF)
        self.options: dict[str, Any] = {k: v for k, v in (("details", details), ("oif", oif)) if v}
        self.templates: dict[tuple[Any, ...], Any] = {}
        self.sep = "\n" if lines else ",\n"

    def general(self, m: Message) -> str | None:
        """One route through `route_json` (None when the filter hides it)."""
        d = route_json(m, self.links, self.family, self.table, **self.options)
        return None if d is None else element_text(d, self.lines)

    def render(self, data: bytes, scan: _Scan, k: int, message: Callable[[int], Message]) -> tuple[list[str], int]:
        """The elements of the first *k* messages *scan* found in *data*: texts to write (one may hold several
        elements, joined) and how many elements."""
        flat = scan.flat
        prio, oif, tb, pf = (scan.ints(j, k) for j in range(3, 7))
        n_slots = [scan.has(j, k) for j in range(4)]
        head = data[flat[0] + _HDR:flat[0] + _HDR + _RTMSG]  # struct rtmsg, whole: part of the shape
        # one type and struct rtmsg (np_scan's count), one oif, table and pref, each slot in all or none
        one_shape = (scan.alike >= k and -1 not in n_slots and oif.count(oif[0]) == k and tb.count(tb[0]) == k
                     and pf.count(pf[0]) == k)
        shape = (flat[2], head, *(not x for x in n_slots), oif[0], tb[0], pf[0])
        if one_shape and n_slots == [k, 0, 0, 0] and head[0] == C.AF_INET and not scan.rare(k):
            joined = self._joined(k, scan, shape, message)
            if joined is not None:
                return joined
        dst, gw, psrc = scan.ips(0, k), scan.ips(1, k), scan.ips(2, k)
        if one_shape:
            slow = self._slow(bytes(head[:1]) * k, dst, gw, psrc, scan, k)
            if slow is None:
                return self._uniform(k, (dst, gw, psrc, prio), shape, message)
        types = flat[2:4 * k:4].tolist()
        hdrs = [data[o + _HDR:o + _HDR + _RTMSG] for o in flat[0:4 * k:4]]
        slow = self._slow(bytes(h[0] for h in hdrs), dst, gw, psrc, scan, k)
        texts = self._rows(types, hdrs, dst, gw, psrc, prio, oif, tb, pf, slow or [False] * k, message)
        return texts, len(texts)

    def _joined(self, k: int, scan: _Scan, shape: tuple[Any, ...],
                message: Callable[[int], Message]) -> tuple[list[str], int] | None:
        """One shape whose routes differ only by IPv4 destination: the addresses joined in C between the
        template's two halves, one text for the datagram; None when the shape's template failed its check."""
        tpl = self.templates.get(shape, 0)
        if tpl == 0:
            tpl = self._template(message(0), (scan.ips(0, 1)[0], None, None, None), shape)
        if tpl is None:
            return [], 0
        if tpl is _FALLBACK:
            return None
        head, tail = _halves(tpl)
        return [head + scan.joined(0, k, tail + self.sep + head) + tail], k

    def _uniform(self, k: int, slots: tuple[list[Any], ...], shape: tuple[Any, ...],
                 message: Callable[[int], Message]) -> tuple[list[str], int]:
        """Every route of the datagram has one shape: one template, filled in a C loop."""
        tpl = self.templates.get(shape, 0)
        if tpl == 0:
            tpl = self._template(message(0), tuple(s[0] for s in slots), shape)
        if tpl is None:
            return [], 0
        if tpl is _FALLBACK:
            texts = [t for i in range(k) for t in [self.general(message(i))] if t is not None]
            return texts, len(texts)
        present = [s for s in slots if s[0] is not None]
        if len(present) == 1 and present[0] is slots[0]:  # only the destination varies: one join
            head, tail = _halves(tpl)
            return [head + (tail + self.sep + head).join(slots[0]) + tail], k
        return list(map(tpl.__mod__, zip(*slots))), k

    def _rows(self, types: list[int], hdrs: list[bytes], dst: list[Any], gw: list[Any], psrc: list[Any],
              prio: list[Any], oif: list[Any], tb: list[Any], pf: list[Any], slow: list[bool],
              message: Callable[[int], Message]) -> list[str]:
        """Routes of several shapes: a template per route."""
        templates = self.templates
        out: list[str] = []
        add = out.append
        for i, (t, h, d, g, p, m, o, b, f, s) in enumerate(zip(types, hdrs, dst, gw, psrc, prio, oif, tb, pf, slow)):
            shape = (t, h, d is None, g is None, p is None, m is None, o, b, f)
            tpl = _FALLBACK if s else templates.get(shape, 0)
            if tpl == 0:
                tpl = self._template(message(i), (d, g, p, m), shape)
            if tpl.__class__ is str:
                add(tpl % (d, g, p, m))
            elif tpl is not None:  # not filtered out: the general renderer
                text = self.general(message(i))
                if text is not None:
                    add(text)
        return out

    @staticmethod
    def _slow(families: bytes, dst: list[Any], gw: list[Any], psrc: list[Any], scan: _Scan,
              k: int) -> list[bool] | None:
        """Per route: must route_json render it (a rare attribute; an IPv6 address inet_ntop dots)?  None: none."""
        rare = [scan.absent(j, k) for j in range(_FIRST_RARE, len(_NAMES)) if scan.has(j, k) != 0]
        six = C.AF_INET6 in families
        if not rare and not six:
            return None
        slow = [not all(c[i] for c in rare) for i in range(k)] if rare else [False] * k
        if six:  # inet_ntop writes ::a.b.c.d and ::ffff:a.b.c.d; codec.values.ip (ipaddress) does not
            for i, f in enumerate(families):
                if f == C.AF_INET6 and any(a is not None and "." in a for a in (dst[i], gw[i], psrc[i])):
                    slow[i] = True
        return slow if True in slow else None

    def _template(self, m: Message, values: tuple[Any, ...], shape: tuple[Any, ...]) -> Any:
        """The template of *m*'s shape (a %-format of the 4 slots), None when filtered out, or _FALLBACK."""
        if len(self.templates) >= MAX_SHAPES:
            self.templates.clear()
        tpl = self._make(m, values)
        self.templates[shape] = tpl
        return tpl

    def _make(self, m: Message, values: tuple[Any, ...]) -> Any:
        d = route_json(m, self.links, self.family, self.table, **self.options)
        if d is None:
            return None
        expect = element_text(d, self.lines)
        marked = dict(d)
        for key, j in (("dst", 0), ("gateway", 1), ("prefsrc", 2)):
            v = values[j]
            if v is not None:
                if key not in marked or not marked[key].startswith(v):
                    return _FALLBACK
                marked[key] = _MARK[j] + marked[key][len(v):]
        if values[3] is not None:
            if marked.get("metric") != values[3]:
                return _FALLBACK
            marked["metric"] = _MARK[3]
        text = element_text(marked, self.lines).replace("%", "%%")
        markers = [json.dumps(x)[1:-1] for x in _MARK[:3]] + [json.dumps(_MARK[3])]
        for j, v in enumerate(values):  # absent slots still take their argument: "%.0s" prints nothing
            if v is None:
                later = [markers[n] for n in range(j + 1, 4) if values[n] is not None]
                text = text.replace(later[0], "%.0s" + later[0], 1) if later else text + "%.0s"
        for j, v in enumerate(values):
            if v is not None:
                if text.count(markers[j]) != 1:
                    return _FALLBACK
                text = text.replace(markers[j], "%s")
        return text if text % values == expect else _FALLBACK


def _halves(tpl: str) -> tuple[str, str]:
    """The text before and after the destination of a template whose other slots are absent."""
    head, tail = tpl.replace("%.0s", "").replace("%%", "%").split("%s")
    return head, tail


def stream_routes(sock: Socket, links: Links, out: JsonStream, *, family: int = C.AF_INET,
                  table: int = C.RT_TABLE_MAIN, details: bool = False, oif: int = 0,
                  timeout: float | None = None) -> int:
    """Dump the routes of *family* on *sock* and write each as ``dump routes --json`` does; the number written.

    Elements are written and flushed datagram by datagram.  Raises as a
    dump does (`KernelError`, `ProtocolViolation`, `DumpInterrupted` after
    the last element: the table changed while it was read).
    """
    req = dump_request("routes", family)
    seq = sock.next_seq()
    request = codec.encode(req.type, C.NLM_F_REQUEST | C.NLM_F_DUMP, req.payload, seq, sock.port)
    sock.send(request)
    ex = sock.exchange(seq, dump=True)
    renderer = RouteRenderer(links, family=family, table=table, lines=out.lines, details=details, oif=oif)
    scan = _Scan()

    def receive(r: Any) -> Outcome:
        return ex.receive_scanned(r, scan)

    written = 0
    for r, o in sock.answer(ex, timeout, receive):
        replies = o.replies
        if type(replies) is range and len(replies):
            data, flat = r.data, scan.flat

            def message(i: int, data: bytes = data, flat: array[int] = flat) -> Message:
                return Message(data, flat[4 * i], flat[4 * i + 1], flat[4 * i + 2], flat[4 * i + 3], seq, sock.port)
            texts, count = renderer.render(data, scan, len(replies), message)
        else:  # messages the scanner could not take in place: the general renderer
            texts = [t for m in replies for t in [renderer.general(m)] if t is not None]
            count = len(texts)
        out.write_elements(texts, count)
        out.flush()
        written += count
        if o.kind is not Kind.REPLIES:
            raise_for(o, request)
            if ex.interrupted:
                raise DumpInterrupted(written)
            break
    return written


def route_families(family: int, table: int) -> tuple[int, ...]:
    """The families ``dump routes`` reads: both for every table without a family (as ``ip route show table all``
    lists IPv4 then IPv6), else *family* (IPv4 by default)."""
    if family == C.AF_UNSPEC:
        return (C.AF_INET, C.AF_INET6) if table == 0 else (C.AF_INET,)
    return (family,)


def write_routes(netns: Any, out: JsonStream, *, family: int = C.AF_UNSPEC, table: int = C.RT_TABLE_MAIN,
                 details: bool = False) -> int:
    """``dump routes --json`` (or ``--json-lines``, as *out* says) of *netns*: the links, then every family's
    routes streamed to *out*; the number of routes written."""
    with Rtnl(netns) as rt:
        links = Links(rt.dump("links").all())
        return sum(stream_routes(rt.sock, links, out, family=f, table=table, details=details)
                   for f in route_families(family, table))


__all__ = ["MAX_SHAPES", "RouteRenderer", "route_families", "stream_routes", "write_routes"]
