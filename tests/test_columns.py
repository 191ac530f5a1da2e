"""Bulk decoding (Dump.columns / codec.columns.ColumnDecoder) against the per-message codec and pyroute2."""
from __future__ import annotations

import functools
import operator

import pytest
from captured import datagrams

from netlink_probe import DecodeError, DumpInterrupted, KernelError, ProtocolViolation
from netlink_probe import constants as C
from netlink_probe.codec import layouts as L
from netlink_probe.codec import parse
from netlink_probe.codec import rtnl as R
from netlink_probe.testing import FakeKernel, replay, restamp

ROUTE_FIELDS = ("rtm_family", "rtm_dst_len", "rtm_table", "rtm_type", "RTA_DST", "RTA_OIF", "RTA_PRIORITY",
                "RTA_TABLE", "RTA_GATEWAY", "RTA_PREFSRC", "RTA_CACHEINFO")


def _columns(name: str, mtype: int, fields, **kw):
    kernel = FakeKernel(replay(list(datagrams(name))))
    with kernel.socket(**kw) as sock:
        d = sock.dump(mtype, b"\0" * 12)
        return d, d.columns(*fields)


def _pyroute2_routes(name: str) -> list:
    from pyroute2.netlink.rtnl.marshal import MarshalRtnl
    out = []
    for dg in datagrams(name):
        out += [m for m in MarshalRtnl().parse(dg) if m["header"]["type"] == C.RTM_NEWROUTE]
    return out


@pytest.mark.parametrize("name", ["routes_v4", "routes_v6"])
def test_route_columns_agree_with_pyroute2_on_captured_dumps(name):
    """Each column equals what pyroute2's decoder reads from the same bytes (an independent decoder)."""
    _, cols = _columns(name, C.RTM_GETROUTE, ROUTE_FIELDS)
    theirs = _pyroute2_routes(name)
    assert len(cols["RTA_DST"]) == len(theirs) > 0
    assert cols["rtm_dst_len"] == [m["dst_len"] for m in theirs]
    assert cols["rtm_table"] == [m["table"] for m in theirs]
    assert cols["RTA_DST"] == [m.get_attr("RTA_DST") for m in theirs]
    assert cols["RTA_OIF"] == [m.get_attr("RTA_OIF") for m in theirs]
    assert cols["RTA_PRIORITY"] == [m.get_attr("RTA_PRIORITY") for m in theirs]
    assert cols["RTA_GATEWAY"] == [m.get_attr("RTA_GATEWAY") for m in theirs]
    assert cols["RTA_PREFSRC"] == [m.get_attr("RTA_PREFSRC") for m in theirs]


@pytest.mark.parametrize("name,mtype", [("routes_v4", C.RTM_GETROUTE), ("links", C.RTM_GETLINK),
                                         ("neigh", C.RTM_GETNEIGH), ("addrs", C.RTM_GETADDR)])
def test_columns_equal_the_lazy_per_message_decode(name, mtype):
    """Bulk and per-message decoding give the same value for every field of every object."""
    _, layout, space = R.family(mtype)
    names = [n for n in R.space_names(space).values() if R.KIND.get(n) not in (None, "nest")]
    fields = (*layout.fields, *names)
    _, cols = _columns(name, mtype, fields)
    msgs = [m for dg in datagrams(name) for m in parse(dg) if m.type >= C.NLMSG_MIN_TYPE]
    for i, m in enumerate(msgs):
        d = R.decode(m)
        for f in layout.fields:
            assert cols[f][i] == d["header"][f], (i, f)
        for n in names:
            ours = d["attrs"].get(n)
            first = ours[0] if isinstance(ours, list) else ours  # columns keep the first of repeated attributes
            assert cols[n][i] == first, (i, n)


def test_columns_reject_an_unknown_field_name():
    """A name that is neither a header field nor an attribute of the family is a usage error."""
    kernel = FakeKernel(replay(list(datagrams("routes_v4"))))
    with kernel.socket() as sock, pytest.raises(ValueError, match="RTA_NOPE"):
        sock.dump(C.RTM_GETROUTE, b"\0" * 12).columns("RTA_NOPE")


def test_columns_surface_dump_intr():
    """NLM_F_DUMP_INTR on any part: DumpInterrupted carrying the columns read (on_intr='raise')."""
    def handler(req, k):
        out = []
        for dg in datagrams("routes_v4"):
            b = bytearray(restamp(dg, req.seq, req.pid))
            for m in parse(bytes(b)):
                if m.type == C.RTM_NEWROUTE:
                    flags = m.flags | C.NLM_F_DUMP_INTR
                    b[m.offset + 6: m.offset + 8] = flags.to_bytes(2, "little")
            out.append(bytes(b))
        return out
    kernel = FakeKernel(handler)
    with kernel.socket() as sock:
        with pytest.raises(DumpInterrupted) as e:
            sock.dump(C.RTM_GETROUTE, b"\0" * 12).columns("RTA_DST")
        assert e.value.columns["RTA_DST"]
        d = sock.dump(C.RTM_GETROUTE, b"\0" * 12, on_intr="flag")
        d.columns("RTA_DST")
        assert d.interrupted


def test_columns_raise_the_error_a_dump_ends_with():
    """An errno in NLMSG_DONE is a KernelError, as with iteration."""
    kernel = FakeKernel(lambda req, k: [k.done(req, -22, msg="bad filter")])
    with kernel.socket() as sock, pytest.raises(KernelError) as e:
        sock.dump(C.RTM_GETROUTE, b"\0" * 12).columns("RTA_DST")
    assert e.value.errno_name == "EINVAL" and e.value.extack_msg == "bad filter"


def test_columns_of_a_malformed_datagram_raise_decode_error():
    """A truncated attribute inside a dump datagram: DecodeError from the general path, never a crash."""
    def handler(req, k):
        dg = bytearray(restamp(datagrams("routes_v4")[0], req.seq, req.pid))
        first = parse(bytes(dg))[0]
        at = first.offset + 16 + L.RTMSG.size
        dg[at:at + 2] = (0xFFF0).to_bytes(2, "little")  # nla_len far past the message
        return [bytes(dg)]
    kernel = FakeKernel(handler)
    with kernel.socket() as sock, pytest.raises(DecodeError):
        sock.dump(C.RTM_GETROUTE, b"\0" * 12).columns("RTA_DST")


def test_columns_refuse_a_reply_for_another_request():
    """A message with a foreign sequence number is a ProtocolViolation, exactly as with iteration."""
    kernel = FakeKernel(lambda req, k: [restamp(datagrams("routes_v4")[0], req.seq + 99, req.pid)])
    with kernel.socket() as sock, pytest.raises(ProtocolViolation):
        sock.dump(C.RTM_GETROUTE, b"\0" * 12).columns("RTA_DST")


def test_a_dump_is_read_once():
    """Dump keeps no messages: a second read is a clear error, not an empty result."""
    kernel = FakeKernel(replay(list(datagrams("routes_v4"))))
    with kernel.socket() as sock:
        d = sock.dump(C.RTM_GETROUTE, b"\0" * 12)
        d.all()
        with pytest.raises(RuntimeError, match="read once"):
            d.columns("RTA_DST")


# -- the C scanner never reads or writes out of bounds, whatever the bytes -------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402  (kept with the property it serves)
from hypothesis import strategies as st  # noqa: E402

from netlink_probe.codec import encode  # noqa: E402
from netlink_probe.codec.columns import ColumnDecoder  # noqa: E402


@st.composite
def route_like_datagrams(draw):
    """Messages with an rtmsg and random TLVs (lengths sometimes lying), plus random tails."""
    out = b""
    for _ in range(draw(st.integers(0, 6))):
        attrs = b""
        for _ in range(draw(st.integers(0, 5))):
            value = draw(st.binary(max_size=20))
            length = draw(st.one_of(st.just(4 + len(value)), st.integers(0, 40)))
            attrs += length.to_bytes(2, "little") + draw(st.integers(0, 0xFFFF)).to_bytes(2, "little") + value
            attrs += b"\0" * (-len(attrs) % 4)
        out += encode(draw(st.integers(0, 40)), draw(st.integers(0, 0xFFFF)),
                      draw(st.binary(min_size=0, max_size=12)) + attrs, 7, 9)
    return out + draw(st.binary(max_size=8))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=512), route_like_datagrams()))
def test_column_decoder_takes_any_bytes(data):
    """np_scan/np_format_ip on arbitrary input: headers or None (message path), never a crash or a bad read."""
    dec = ColumnDecoder(L.RTMSG, "RTA_UNSPEC", ("rtm_dst_len", "RTA_DST", "RTA_OIF", "RTA_PRIORITY", "RTA_CACHEINFO"))
    scanned = dec.scan(data, 7, 9)
    if scanned is not None:
        flat, lowest, ored = scanned
        n = len(flat) // 4
        assert lowest == min(flat[2::4], default=0xFFFF)  # the exchange's summary, computed in C
        assert ored == functools.reduce(operator.or_, flat[3::4], 0)
        assert n <= len(data) // 16
        k = 0
        while k < n and flat[4 * k + 2] >= C.NLMSG_MIN_TYPE:  # take() is for data messages
            k += 1
        dec.take(data, k)
        assert all(len(v) == k for v in dec.columns.values())
