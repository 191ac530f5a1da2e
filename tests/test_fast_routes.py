"""iproute2.fast_routes and iproute2.stream: the fast route renderer writes what route_json + json write.

Route dumps are served by a FakeKernel (testing.py): datagrams of synthetic
RTM_NEWROUTE messages of many shapes; the fast path's output is compared
byte for byte with the general one (`route_json`, `json.dumps(indent=2)`).
"""
from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlink_probe import DumpInterrupted, KernelError, codec
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.iproute2 import fast_routes
from netlink_probe.iproute2.fast_routes import RouteRenderer, route_families, stream_routes
from netlink_probe.iproute2.links import Links
from netlink_probe.iproute2.routes import route_json
from netlink_probe.iproute2.stream import JsonStream, element_text
from netlink_probe.testing import FakeKernel


def link(index: int, name: str) -> codec.Message:
    data = codec.encode(C.RTM_NEWLINK, 0, L.IFINFOMSG.pack(ifi_index=index) + A.string(C.IFLA_IFNAME, name))
    return codec.parse(data)[0]


LINKS = Links([link(2, "veth0"), link(3, 'we"i\\rd%s')])


def route(dst: bytes | None, dst_len: int, *, family: int = C.AF_INET, oif: int | None = 2, table: int = 254,
          gw: bytes | None = None, prefsrc: bytes | None = None, prio: int | None = None, rtype: int = C.RTN_UNICAST,
          proto: int = C.RTPROT_BOOT, scope: int = C.RT_SCOPE_UNIVERSE, tos: int = 0, flags: int = 0,
          extra: bytes = b"", pref: int | None = None) -> bytes:
    """The payload of one RTM_NEWROUTE, attributes in the kernel's order."""
    p = L.RTMSG.pack(rtm_family=family, rtm_dst_len=dst_len, rtm_tos=tos, rtm_table=min(table, 252) if table > 255
                     else table, rtm_protocol=proto, rtm_scope=scope, rtm_type=rtype, rtm_flags=flags)
    p += A.u32(C.RTA_TABLE, table)
    if dst is not None:
        p += A.attr(C.RTA_DST, dst)
    if prio is not None:
        p += A.u32(C.RTA_PRIORITY, prio)
    if prefsrc is not None:
        p += A.attr(C.RTA_PREFSRC, prefsrc)
    if gw is not None:
        p += A.attr(C.RTA_GATEWAY, gw)
    if oif is not None:
        p += A.u32(C.RTA_OIF, oif)
    if pref is not None:
        p += A.u8(C.RTA_PREF, pref)
    return p + extra


V4 = [bytes([10, 0, i >> 8, i & 255]) for i in range(1, 700)]
HOP = L.RTNEXTHOP.pack(rtnh_len=L.RTNEXTHOP.size + 8, rtnh_ifindex=2) + A.attr(C.RTA_GATEWAY, bytes([10, 1, 0, 2]))
V6 = bytes.fromhex("fd000000000000000000000000000001")
VARIED = [
    route(V4[0], 32), route(V4[1], 24, gw=bytes([10, 1, 0, 2])), route(None, 0, gw=bytes([10, 1, 0, 2]), prio=100),
    route(V4[2], 32, prefsrc=bytes([10, 1, 0, 1]), scope=C.RT_SCOPE_LINK, proto=C.RTPROT_KERNEL),
    route(V4[3], 16, table=100), route(V4[4], 16, table=1000, prio=5), route(V4[5], 16, rtype=C.RTN_BLACKHOLE, oif=None),
    route(V4[6], 16, rtype=C.RTN_UNREACHABLE, oif=None, prio=9), route(V4[7], 16, tos=0x10, proto=42),
    route(V4[8], 16, oif=3, gw=bytes([1, 2, 3, 4]), flags=C.RTNH_F_ONLINK),
    route(V4[9], 16, oif=None, extra=A.attr(C.RTA_MULTIPATH, HOP + HOP)),
    route(V4[10], 16, extra=A.nest(C.RTA_METRICS, A.u32(C.RTAX_MTU, 1400))),
    route(V4[11], 16, extra=A.u32(C.RTA_MARK, 7)), route(V4[12], 32, flags=C.RTM_F_CLONED),
    route(V4[13], 32, oif=99), route(None, 8), route(V4[14], 32, table=255, rtype=C.RTN_LOCAL, scope=C.RT_SCOPE_HOST),
    route(V6, 64, family=C.AF_INET6, prio=1024, pref=0), route(V6, 128, family=C.AF_INET6, gw=V6, pref=1, prio=1),
    route(bytes(12) + bytes([1, 2, 3, 4]), 128, family=C.AF_INET6, pref=0, prio=256),  # ::1.2.3.4: dotted by inet_ntop
    route(bytes(10) + b"\xff\xff" + bytes([1, 2, 3, 0]), 120, family=C.AF_INET6, pref=0, prio=256),
    route(None, 0, family=C.AF_INET6, rtype=C.RTN_UNREACHABLE, prio=0xFFFFFFFF, oif=1, pref=0),  # ip6 null entry
    route(V6, 64, family=C.AF_INET6, table=200, gw=V6, pref=0, prio=1024, extra=A.attr(C.RTA_SRC, V6)),
]
UNIFORM = [route(d, 32, scope=C.RT_SCOPE_LINK, proto=C.RTPROT_STATIC) for d in V4]
UNIFORM_GW = [route(d, 32, gw=bytes([10, 1, 0, 2]), prio=i % 3) for i, d in enumerate(V4)]


def serve(payloads: list[bytes], per_datagram: int = 40, intr: bool = False) -> FakeKernel:
    """A kernel answering any dump with *payloads* as RTM_NEWROUTE messages, *per_datagram* a datagram."""
    def handler(req: codec.Message, k: FakeKernel) -> list[list[bytes]]:
        msgs = [k.reply(req, C.RTM_NEWROUTE, p, flags=C.NLM_F_MULTI | (C.NLM_F_DUMP_INTR if intr else 0))
                for p in payloads]
        grams = [msgs[i:i + per_datagram] for i in range(0, len(msgs), per_datagram)]
        return grams + [[k.done(req)]]
    return FakeKernel(handler)


def general(payloads: list[bytes], family: int, table: int, lines: bool = False) -> str:
    """What the general path writes: route_json of each, as one JSON array (or JSON lines)."""
    objs = [d for p in payloads for d in [route_json(codec.parse(codec.encode(C.RTM_NEWROUTE, 0, p))[0], LINKS,
                                                     family, table)] if d is not None]
    if lines:
        return "".join(json.dumps(d, separators=(",", ":")) + "\n" for d in objs)
    return json.dumps(objs, indent=2) + "\n"


def fast(payloads: list[bytes], family: int, table: int, lines: bool = False, per_datagram: int = 40) -> str:
    buf = io.StringIO()
    with serve(payloads, per_datagram).socket(timeout=30) as sock, JsonStream(buf, lines=lines) as out:
        stream_routes(sock, LINKS, out, family=family, table=table)
    return buf.getvalue()


@pytest.mark.parametrize("lines", [False, True], ids=["array", "lines"])
@pytest.mark.parametrize("family,table", [(C.AF_INET, 254), (C.AF_INET6, 254), (C.AF_INET, 0), (C.AF_INET6, 0),
                                          (C.AF_INET, 100), (0, 0)])
@pytest.mark.parametrize("payloads", [VARIED, UNIFORM, UNIFORM_GW, VARIED + UNIFORM + VARIED],
                         ids=["varied", "uniform", "uniform_gw", "mixed"])
def test_fast_output_is_the_general_output_byte_for_byte(payloads, family, table, lines):
    """Every shape, filter and layout: the same bytes as route_json + json.dumps."""
    assert fast(payloads, family, table, lines) == general(payloads, family, table, lines)


def test_one_datagram_of_one_shape_is_one_template(monkeypatch):
    """A datagram of routes of one shape makes one template (route_json called once for it, to check it)."""
    calls = []
    real = fast_routes.route_json
    monkeypatch.setattr(fast_routes, "route_json", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    assert fast(UNIFORM, C.AF_INET, 254, per_datagram=1000) == general(UNIFORM, C.AF_INET, 254)
    assert len(calls) == 1


def test_shapes_beyond_the_cache_bound_start_it_afresh(monkeypatch):
    """More shapes than MAX_SHAPES: the cache is emptied and refilled, the output unchanged."""
    monkeypatch.setattr(fast_routes, "MAX_SHAPES", 4)
    payloads = [route(d, 32, table=1000 + i) for i, d in enumerate(V4[:50])]
    assert fast(payloads, C.AF_INET, 0) == general(payloads, C.AF_INET, 0)
    r = RouteRenderer(LINKS, table=0)
    for i in range(10):
        r._template(codec.parse(codec.encode(C.RTM_NEWROUTE, 0, payloads[i]))[0], (None,) * 4, (i,))
    assert len(r.templates) <= 4


def test_an_error_ends_the_dump_as_kernel_error():
    k = FakeKernel(lambda req, k: [k.done(req, 95)])
    with k.socket() as sock, pytest.raises(KernelError), JsonStream(io.StringIO()) as out:
        stream_routes(sock, LINKS, out)


def test_dump_intr_raises_after_the_last_element():
    buf = io.StringIO()
    with serve(UNIFORM[:5], intr=True).socket(timeout=30) as sock, pytest.raises(DumpInterrupted):
        with JsonStream(buf) as out:
            stream_routes(sock, LINKS, out)
    assert json.loads(buf.getvalue()) == json.loads(general(UNIFORM[:5], C.AF_INET, 254))


def test_route_families_as_dump_routes_reads_them():
    assert route_families(0, 254) == (C.AF_INET,)
    assert route_families(0, 0) == (C.AF_INET, C.AF_INET6)
    assert route_families(C.AF_INET6, 0) == (C.AF_INET6,)


# -- the stream writer ------------------------------------------------------------------------
@pytest.mark.parametrize("objs", [[], [{"a": 1}], [{"a": [1, {"b": "x\u00e9"}]}, {"c": []}, "s", 3]])
def test_stream_array_is_json_dumps_indent_2(objs):
    buf = io.StringIO()
    with JsonStream(buf) as out:
        for o in objs:
            out.write(o)
    assert buf.getvalue() == json.dumps(objs, indent=2) + "\n"


def test_stream_lines_are_compact_objects_and_bytes_are_hex():
    buf = io.StringIO()
    with JsonStream(buf, lines=True) as out:
        out.write({"a": b"\x01\x02", "s": {1}})
        out.write_elements([element_text({"b": 2}, True)], 1)
    assert buf.getvalue() == '{"a":"0102","s":[1]}\n{"b":2}\n'


def test_stream_closes_the_array_after_an_error():
    buf = io.StringIO()
    with pytest.raises(RuntimeError), JsonStream(buf) as out:
        out.write({"a": 1})
        raise RuntimeError
    assert json.loads(buf.getvalue()) == [{"a": 1}]


def _alike(data: bytes, flat: list[int]) -> int:
    """How many leading messages are like the first in type, length and struct rtmsg (np_scan's summary[2])."""
    n, first = len(flat) // 4, data[16:16 + L.RTMSG.size]
    if not n or flat[1] < 16 + L.RTMSG.size:
        return 0
    k = 1
    while k < n and flat[4 * k + 2] == flat[2] and flat[4 * k + 1] == flat[1] and \
            data[flat[4 * k] + 16:flat[4 * k] + 16 + L.RTMSG.size] == first:
        k += 1
    return k


_POOL = [UNIFORM[0], UNIFORM[1], VARIED[1], VARIED[3], VARIED[4], UNIFORM_GW[0], UNIFORM_GW[1], UNIFORM_GW[3]]


def _datagram(picks: list[int]) -> bytes:
    """Routes of _POOL by index (-1: NLMSG_DONE), seq 7 and port 9."""
    return b"".join(codec.encode(C.NLMSG_DONE, C.NLM_F_MULTI, bytes(4), 7, 9) if i < 0 else
                    codec.encode(C.RTM_NEWROUTE, C.NLM_F_MULTI, _POOL[i], 7, 9) for i in picks)


@pytest.mark.parametrize("picks,expect", [([0] * 5, 5), ([0, 1], 2), ([0, 0, 2, 0], 2), ([5, 5, 5], 3),
                                          ([0, 0, 0, -1], 3), ([-1], 0), ([6, 6, 7, 7], 4), ([2, 3], 1)], ids=str)
def test_np_scan_counts_the_leading_messages_of_one_shape(picks, expect):
    """The C scanner's count of leading messages like the first (type, length, struct rtmsg): what lets the
    renderer take a datagram as one shape; NLMSG_DONE (-1) is not a route's shape, nor long enough for one."""
    scan = fast_routes._Scan()
    data = _datagram(picks)
    flat, _lowest, _ored = scan(data, 7, 9)
    assert scan.alike == _alike(data, list(flat)) == expect


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.lists(st.integers(-1, len(_POOL) - 1), max_size=40).map(_datagram), st.binary(max_size=300)))
def test_np_scan_count_of_one_shape_holds_for_any_bytes(data):
    """Any bytes: the scanner's count agrees with Python's (or the scanner refuses the datagram)."""
    scan = fast_routes._Scan()
    scanned = scan(data, 7, 9)
    if scanned is not None:
        assert scan.alike == _alike(data, list(scanned[0]))
