"""Dump.columns(arrays=True): the packed integer columns hold what the list columns hold."""
from __future__ import annotations

from array import array

import pytest
from captured import datagrams

from netlink_probe import constants as C
from netlink_probe.codec import rtnl as R
from netlink_probe.testing import FakeKernel, replay


def _columns(name: str, mtype: int, fields: tuple[str, ...], arrays: bool):
    kernel = FakeKernel(replay(list(datagrams(name))))
    with kernel.socket() as sock:
        d = sock.dump(mtype, b"\0" * 12)
        return d.columns(*fields, arrays=arrays), d.present


@pytest.mark.parametrize("name,mtype", [("routes_v4", C.RTM_GETROUTE), ("routes_v6", C.RTM_GETROUTE),
                                         ("links", C.RTM_GETLINK), ("neigh", C.RTM_GETNEIGH),
                                         ("addrs", C.RTM_GETADDR)])
def test_array_columns_equal_the_list_columns(name, mtype):
    """Header fields and unsigned attributes as arrays: the same numbers, 0 plus present=0 for None."""
    _, layout, space = R.family(mtype)
    names = tuple(n for n in R.space_names(space).values() if R.KIND.get(n) not in (None, "nest"))
    fields = (*layout.fields, *names)
    lists, _ = _columns(name, mtype, fields, False)
    arrays, present = _columns(name, mtype, fields, True)
    for f in fields:
        if isinstance(arrays[f], array):
            if f in present:
                assert list(present[f]) == [v is not None for v in lists[f]], f
                assert arrays[f].tolist() == [0 if v is None else v for v in lists[f]], f
            else:
                assert arrays[f].tolist() == lists[f], f
        elif R.KIND.get(f) == "ip":  # an AddressColumn: formatted in bulk, by row, by slice
            col = arrays[f]
            assert col.tolist() == list(col) == lists[f] == col, f
            assert [col[i] for i in range(len(col))] == lists[f] == col[:], f
            if lists[f]:
                assert col[-1] == lists[f][-1], f
        else:
            assert arrays[f] == lists[f], f
    assert all(isinstance(arrays[f], array) for f in layout.fields)


def test_address_column_widens_for_ipv6_and_formats_each_way():
    """4-byte slots widen to 16 at the first IPv6 value; rows, slices and tolist() agree; None where absent or odd."""
    import socket

    from netlink_probe.codec.address_column import AddressColumn
    from netlink_probe.sys import ffi

    v6 = socket.inet_pton(socket.AF_INET6, "2001:db8::1")
    rows = [(b"\x0a\x00\x00\x01", "10.0.0.1"), (None, None), (b"\x01\x02\x03", None), (v6, "2001:db8::1"),
            (b"\xc0\xa8\x00\x01", "192.168.0.1")]
    col = AddressColumn()
    assert col.tolist() == [] == list(col) and len(col) == 0
    for chunk in (rows[:3], rows[3:]):  # two "datagrams": the second brings the IPv6 value
        buf = b"\0" * 4 + b"".join(v for v, _ in chunk if v is not None)
        offs, lens, at = [], [], 4
        for v, _ in chunk:
            offs.append(at if v is not None else 0)
            lens.append(len(v) if v is not None else 0)
            at += len(v) if v is not None else 0
        col.extend_scanned(ffi.from_buffer(buf), ffi.new("uint32_t[]", offs), ffi.new("uint32_t[]", lens), len(chunk))
    want = [t for _, t in rows]
    assert col.tolist() == list(col) == [col[i] for i in range(len(col))] == col[:] == want == col
    assert col[-2] == "2001:db8::1"
    with pytest.raises(IndexError):
        col[len(col)]
