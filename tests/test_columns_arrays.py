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
