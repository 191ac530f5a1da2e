"""RTA_MULTIPATH is parsed once (codec.multipath): a malformed one is a DecodeError on every path.

Paths: `codec.rtnl.multipath`, the attribute tree and message description
(`decode`, `monitor --full`), the ip-style route rendering (`dump routes`),
and the commands themselves (one line naming the offset, exit status 2).
"""
from __future__ import annotations

import io
import sys

import pytest

from netlink_probe import constants as C
from netlink_probe.cli import main
from netlink_probe.codec import DecodeError, encode, parse
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.codec import rtnl as R
from netlink_probe.codec.describe import describe
from netlink_probe.iproute2 import Links, route_json, show

MP = 16 + L.RTMSG.size + 8 + 4  # the first rtnexthop: after nlmsghdr, rtmsg, RTA_DST and RTA_MULTIPATH's nlattr


def hop(ifindex: int, gateway: bytes | None, *, rtnh_len: int | None = None) -> bytes:
    body = A.attr(C.RTA_GATEWAY, gateway) if gateway else b""
    size = L.RTNEXTHOP.size + len(body)
    return L.RTNEXTHOP.pack(rtnh_len=size if rtnh_len is None else rtnh_len, rtnh_ifindex=ifindex) + body


def route(hops: bytes) -> bytes:
    """An RTM_NEWROUTE for 203.0.113.0/24 in the main table whose RTA_MULTIPATH holds *hops*."""
    payload = L.RTMSG.pack(rtm_family=C.AF_INET, rtm_dst_len=24, rtm_table=C.RT_TABLE_MAIN,
                           rtm_protocol=C.RTPROT_STATIC, rtm_type=C.RTN_UNICAST)
    payload += A.attr(C.RTA_DST, bytes([203, 0, 113, 0])) + A.attr(C.RTA_MULTIPATH, hops)
    return encode(C.RTM_NEWROUTE, 0, payload, 1, 2)


GOOD = route(hop(2, bytes([10, 0, 0, 2])) + hop(3, None))
# (bytes, offset of the fault, words of the reason)
MALFORMED = {
    "rtnh_len below the struct": (route(hop(2, bytes([10, 0, 0, 2]), rtnh_len=4)), MP, "below"),
    "rtnh_len past the attribute": (route(hop(2, bytes([10, 0, 0, 2]), rtnh_len=40)), MP, "runs past"),
    "bytes too few for another entry": (route(hop(2, bytes([10, 0, 0, 2])) + b"\0" * 4), MP + 16, "trailing"),
}
CASES = pytest.mark.parametrize("data, offset, why", MALFORMED.values(), ids=MALFORMED.keys())


def message(data: bytes):
    (m,) = parse(data)
    return m


def test_well_formed_multipath_reads_alike_on_every_path():
    m = message(GOOD)
    hops = R.multipath(m.attrs(L.RTMSG.size))
    assert [(h["rtnh_ifindex"], h["attrs"].get(C.RTA_GATEWAY)) for h in hops] == [(2, b"\x0a\0\0\x02"), (3, None)]
    (tree,) = [a for a in describe(m)["attrs"] if a["name"] == "RTA_MULTIPATH"]
    assert [h["rtnh_ifindex"] for h in tree["nexthops"]] == [2, 3]
    assert tree["nexthops"][0]["attrs"][0]["value"] == "10.0.0.2"
    d = route_json(m, Links([]), C.AF_INET, C.RT_TABLE_MAIN)
    assert d["nexthops"] == [{"gateway": "10.0.0.2", "dev": "if2", "weight": 1, "flags": []},
                             {"dev": "if3", "weight": 1, "flags": []}]


@CASES
def test_codec_multipath_refuses_it(data, offset, why):
    with pytest.raises(DecodeError) as e:
        R.multipath(message(data).attrs(L.RTMSG.size))
    assert e.value.offset == offset and why in e.value.reason


@CASES
def test_message_description_refuses_it(data, offset, why):
    with pytest.raises(DecodeError) as e:
        describe(message(data))
    assert e.value.offset == offset and why in e.value.reason


@CASES
def test_ip_route_rendering_refuses_it(data, offset, why):
    with pytest.raises(DecodeError) as e:
        route_json(message(data), Links([]), C.AF_INET, C.RT_TABLE_MAIN)
    assert e.value.offset == offset and why in e.value.reason


@CASES
def test_monitor_full_view_refuses_it_and_the_key_fields_do_not_need_it(data, offset, why):
    from types import SimpleNamespace

    from netlink_probe.cli import monitor
    n = SimpleNamespace(message=message(data), group=C.RTNLGRP_IPV4_ROUTE, nsid=None, src_groups=0)
    assert monitor.record(n, C.NETLINK_ROUTE)["object"]["dst"] == "203.0.113.0/24"
    with pytest.raises(DecodeError) as e:
        monitor.record(n, C.NETLINK_ROUTE, full=True)
    assert e.value.offset == offset


def one_line_error(capsys) -> str:
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@CASES
def test_decode_command_names_the_offset(data, offset, why, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.hex().encode())))
    assert main(["decode"]) == 2
    line = one_line_error(capsys)
    assert line.startswith("netlink-probe decode: undecodable input at offset ") and f"offset {offset}:" in line


class _FakeDump:
    def __init__(self, messages):
        self.messages = messages

    def all(self):
        return self.messages

    def __iter__(self):  # show.objects streams a dump by iterating it
        return iter(self.messages)


class _FakeRtnl:
    """Rtnl answering the link dump with nothing and the route dump with the one route under test."""
    route = GOOD

    def __init__(self, netns=None):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def dump(self, what, family=C.AF_UNSPEC):
        return _FakeDump(parse(self.route) if what == "routes" else [])


def test_dump_command_shows_a_well_formed_multipath_route(capsys, monkeypatch):
    monkeypatch.setattr(show, "Rtnl", _FakeRtnl)
    assert main(["dump", "routes"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "203.0.113.0/24 proto static", "\tnexthop via 10.0.0.2 dev if2 weight 1", "\tnexthop dev if3 weight 1"]


@CASES
def test_dump_command_names_the_offset(data, offset, why, capsys, monkeypatch):
    monkeypatch.setattr(show, "Rtnl", type("Bad", (_FakeRtnl,), {"route": data}))
    assert main(["dump", "routes", "--json", "-d"]) == 2  # -d: the general renderer (plain --json is fast_routes')
    line = one_line_error(capsys)
    assert line.startswith("netlink-probe dump: undecodable input at offset ") and f"offset {offset}:" in line
