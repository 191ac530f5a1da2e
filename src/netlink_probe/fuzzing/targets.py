"""The fuzz targets: every decoding path that hostile bytes can reach, each a function of one input.

A target returns None or raises `DecodeError`; anything else it raises is a
finding.  Together they cover framing (`parse`), the lazy attribute index and
any nest in it, the rtnetlink object model (`rtnl.decode`, next hops), error
and done reports, the description and its text and JSON renderings (what
``decode`` and ``monitor --full`` print), monitor's summaries and the ``ip -j``
renderers, the C bulk scanner, and the ``decode`` command itself, run
in-process on hex and raw input (exit 0, or 2 with one line; nothing else).
"""
from __future__ import annotations

import argparse
import functools
import io
import operator
import sys
from collections.abc import Callable
from typing import Any

from .. import constants as C
from ..codec import columns as COL
from ..codec import control, rtnl as R
from ..codec.attribute import Attrs
from ..codec.depth import MAX_DEPTH
from ..codec.describe import describe_buffer
from ..codec.describe_text import message_text
from ..codec.errors import DecodeError
from ..codec.message import Message, flags_names, parse

Target = Callable[[bytes], None]


class ContractBroken(AssertionError):
    """A target ran to the end but broke its contract (e.g. the CLI printed a traceback)."""


def _as_json(obj: object) -> None:
    """*obj* written as the CLI writes JSON (bytes as hex)."""
    from ..cli._common import print_json
    print_json(obj, stream=io.StringIO())


def parse_target(data: bytes) -> None:
    for m in parse(data):
        (m.type_name, m.raw(), bytes(m.payload), flags_names(m.type, m.flags), repr(m))


def attrs_target(data: bytes) -> None:
    """The bytes as one attribute run: every accessor, and every value of 4+ bytes opened as a nest.

    Nests are opened to `MAX_DEPTH` levels, as the decoders do: every value re-read as a nest costs
    depth x size, which is the cost the depth limit bounds."""
    stack = [(Attrs(data, 0, len(data)), 0)]
    while stack:
        attrs, depth = stack.pop()
        try:
            for a in attrs:
                (a.type, a.flags, a.nested_flag, a.net_byteorder, bytes(a.value), repr(a))
                if len(a.value) >= 4 and depth < MAX_DEPTH:
                    stack.append((a.nested(), depth + 1))
            for t in set(attrs.types()):
                for get in (attrs.u8, attrs.u16, attrs.u32, attrs.u64, attrs.s32, attrs.be32, attrs.str, attrs.span):
                    try:
                        get(t)
                    except DecodeError:
                        pass
        except DecodeError:
            pass


def rtnl_target(data: bytes) -> None:
    for m in parse(data):
        R.decode(m)
        fam = R.family(m.type)
        if fam is not None and fam[0] == "route":
            R.multipath(m.attrs(fam[1].size))
        if m.type == C.NLMSG_ERROR:
            control.parse_error(m)
        elif m.type == C.NLMSG_DONE:
            control.parse_done(m)


def _describe(protocol: int) -> Target:
    def describe_target(data: bytes) -> None:
        for d in describe_buffer(data, protocol):
            message_text(d)
            _as_json(d)
    describe_target.__name__ = f"describe_{C.PROTOCOLS.get(protocol, str(protocol)).removeprefix('NETLINK_').lower()}"
    return describe_target


def monitor_target(data: bytes) -> None:
    """What ``monitor`` shows of a notification: the summary, and with --full the description."""
    from ..iproute2.summary import summary
    for m in parse(data):
        _as_json(summary(m))
        message_text(describe_buffer(m.raw())[0])


def iproute2_target(data: bytes) -> None:
    """The ``ip -j`` renderers (and their text) over whatever messages the bytes hold."""
    from .. import iproute2 as I
    msgs = parse(data)
    links = I.Links([m for m in msgs if m.type == C.RTM_NEWLINK])
    render: dict[int, Callable[[Message], dict[str, Any] | None]] = {
        C.RTM_NEWLINK: lambda m: I.link_json(m, links), C.RTM_NEWADDR: lambda m: I.addr_json(m, links),
        C.RTM_NEWROUTE: lambda m: I.route_json(m, links, C.AF_UNSPEC, 0),
        C.RTM_NEWNEIGH: lambda m: I.neigh_json(m, links, C.AF_UNSPEC),
        C.RTM_NEWNEIGHTBL: lambda m: I.ntable_json(m, links)}
    texts = {C.RTM_NEWLINK: I.links_text, C.RTM_NEWADDR: I.addrs_text, C.RTM_NEWROUTE: I.routes_text,
             C.RTM_NEWNEIGH: I.neigh_text, C.RTM_NEWNEIGHTBL: I.ntable_text}
    for m in msgs:
        if m.type in render:
            obj = render[m.type](m)
            if obj is not None:
                _as_json(obj)
                texts[m.type]([obj])


_COLUMN_DECODERS: list[COL.ColumnDecoder] = []


def _column_decoders() -> list[COL.ColumnDecoder]:
    """One decoder per rtnetlink family, asking for every header field and every attribute of a known kind."""
    if not _COLUMN_DECODERS:
        seen = set()
        for base in range(C.RTM_BASE, C.RTM_BASE + 4 * 40, 4):
            fam = R.family(base)
            if fam is None or fam[0] in seen:
                continue
            seen.add(fam[0])
            _, layout, space = fam
            names = [f for f in layout.fields if not f.startswith("__")]
            names += [n for n in R.space_names(space).values() if n in R.KIND][:24]
            _COLUMN_DECODERS.append(COL.ColumnDecoder(layout, space, names))
    return _COLUMN_DECODERS


def columns_target(data: bytes) -> None:
    """The C scanner, as `codec.exchange` drives it: seq/port of the first message, then its data messages."""
    head = data[:16].ljust(16, b"\0")
    seq, pid = int.from_bytes(head[8:12], "little"), int.from_bytes(head[12:16], "little")
    for dec in _column_decoders():
        scanned = dec.scan(data, seq, pid)
        if scanned is None:
            continue
        flat, lowest, ored = scanned
        types = flat[2::4]
        if lowest != min(types, default=0xFFFF) or ored != functools.reduce(operator.or_, flat[3::4], 0):
            raise AssertionError(f"np_scan's summary ({lowest}, {ored:#x}) disagrees with its message table")
        k = next((i for i, t in enumerate(types) if t < C.NLMSG_MIN_TYPE), len(types))
        dec.take(data, k)
        for col in dec.columns.values():
            col.clear()


def _cli(as_json: bool, as_hex: bool) -> Target:
    from ..cli import decode

    def cli_target(data: bytes) -> None:
        args = argparse.Namespace(protocol="route", json=as_json)
        stdin = io.TextIOWrapper(io.BytesIO(data.hex().encode() if as_hex else data))
        out, err = io.StringIO(), io.StringIO()
        saved = sys.stdin, sys.stdout, sys.stderr
        sys.stdin, sys.stdout, sys.stderr = stdin, out, err
        try:
            rc = decode.run(args)
        finally:
            sys.stdin, sys.stdout, sys.stderr = saved
        lines = err.getvalue().splitlines()
        if not (rc == 0 and not lines or rc == 2 and len(lines) == 1 and lines[0].startswith("netlink-probe decode: ")):
            raise ContractBroken(f"decode exited {rc} with stderr {err.getvalue()[:500]!r}")
    cli_target.__name__ = f"cli_decode{'_json' if as_json else ''}{'_hex' if as_hex else '_raw'}"
    return cli_target


TARGETS: dict[str, Target] = {t.__name__.removesuffix("_target"): t for t in (
    parse_target, attrs_target, rtnl_target, _describe(C.NETLINK_ROUTE), _describe(C.NETLINK_GENERIC),
    monitor_target, iproute2_target, columns_target, _cli(False, True), _cli(True, False))}


def run_target(target: Target, data: bytes) -> DecodeError | None:
    """*target* on *data*: None when it decoded, the DecodeError when it refused; anything else propagates."""
    try:
        target(data)
    except DecodeError as e:
        if not (isinstance(e.offset, int) and e.offset >= 0 and e.reason):
            raise ContractBroken(f"DecodeError without an offset and a reason: {e!r}") from e
        return e
    return None


__all__ = ["TARGETS", "ContractBroken", "Target", "run_target"]
