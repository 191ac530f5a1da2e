"""Bounded decoding (issue #13, item 2): nesting depth, repeated attributes, and decode's memory.

Nests deeper than `codec.depth.MAX_DEPTH` are one DecodeError at the nest
that goes deeper, from every entry point (the tree, the description, the
``decode`` command in text and JSON), never a RecursionError; the text
renderer walks any tree without recursion; repeated attributes cost linear
time; ``decode --json`` writes one message at a time.  No privileges needed.
"""
from __future__ import annotations

import io
import json
import sys

import pytest

from netlink_probe import DecodeError
from netlink_probe import constants as C
from netlink_probe.cli import decode as D
from netlink_probe.cli import main
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.codec import parse
from netlink_probe.codec import rtnl as R
from netlink_probe.codec.depth import MAX_DEPTH
from netlink_probe.codec.describe import describe_buffer
from netlink_probe.codec.describe_text import attrs_text
from netlink_probe.codec.tree import attrs_tree
from netlink_probe.fuzzing.mutate import message, nest

LINK = L.IFINFOMSG.pack()
ATTRS_AT = 16 + L.IFINFOMSG.size  # the first attribute of a link message


def deep_link(levels: int, types: tuple[int, ...] = (1,)) -> bytes:
    return message(C.RTM_NEWLINK, LINK + nest(levels, types))


def run_cli(monkeypatch, capsys, argv, stdin: bytes):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


# -- depth ------------------------------------------------------------------------------------------
def test_a_nest_max_depth_deep_is_decoded_and_one_level_more_is_a_decode_error_at_that_nest():
    tree = describe_buffer(deep_link(MAX_DEPTH))[0]["attrs"]
    for _ in range(MAX_DEPTH - 1):
        (tree,) = [e["attrs"] for e in tree]
    assert tree[0]["attrs"] == []  # the innermost nest opened: an empty run at depth MAX_DEPTH
    with pytest.raises(DecodeError) as e:
        describe_buffer(deep_link(MAX_DEPTH + 1))
    assert e.value.offset == ATTRS_AT + 4 * MAX_DEPTH and "nested deeper" in e.value.reason


@pytest.mark.parametrize("levels,types", [(1000, (1,)), (4000, (C.IFLA_PROP_LIST,)),
                                          (500, (C.IFLA_LINKINFO, C.IFLA_INFO_DATA))])
def test_thousands_of_nests_are_a_decode_error_not_a_recursion_error(levels, types):
    """Bare NLA_F_NESTED nests, IFLA_PROP_LIST reopening IFLA_*, LINKINFO/INFO_DATA in turn."""
    with pytest.raises(DecodeError) as e:
        describe_buffer(deep_link(levels, types))
    assert e.value.offset == ATTRS_AT + 4 * MAX_DEPTH


@pytest.mark.parametrize("mtype,header,space,nest_type,protocol", [
    (C.GENL_ID_CTRL, L.GENLMSGHDR.pack(cmd=1), "CTRL_ATTR_UNSPEC", C.CTRL_ATTR_MCAST_GROUPS, C.NETLINK_GENERIC),
    (C.RTM_NEWROUTE, L.RTMSG.pack(rtm_family=C.AF_INET), "RTA_UNSPEC", C.RTA_MULTIPATH, C.NETLINK_ROUTE)])
def test_genl_arrays_and_next_hops_nested_without_end_are_a_decode_error(mtype, header, space, nest_type, protocol):
    """The array decoder (CTRL_ATTR_MCAST_GROUPS) and RTA_MULTIPATH each count their levels."""
    if nest_type == C.RTA_MULTIPATH:  # a next hop whose attributes hold RTA_MULTIPATH again, and so on
        body = b""
        for _ in range(400):
            body = A.attr(C.RTA_MULTIPATH, L.RTNEXTHOP.pack(rtnh_len=8 + len(body)) + body)
    else:
        body = nest(800, (nest_type, 1))
    with pytest.raises(DecodeError):
        describe_buffer(message(mtype, header + body), protocol)


def test_the_tree_of_a_direct_call_counts_depth_too():
    (m,) = parse(deep_link(2000))
    with pytest.raises(DecodeError):
        attrs_tree(m.attrs(L.IFINFOMSG.size), "IFLA_UNSPEC")


def test_text_renderer_walks_a_tree_of_any_depth_without_recursion():
    tree: list = [{"type": 1, "name": "X", "len": 0, "value": 7}]
    for _ in range(5000):
        tree = [{"type": 1, "name": "X", "len": 4, "attrs": tree}]
    lines = attrs_text(tree, "")
    assert len(lines) == 5001 and lines[-1] == " " * 4 * 5000 + "X (1): 7"


@pytest.mark.parametrize("argv,levels", [(["decode"], 1000), (["decode", "--json"], 500),
                                         (["decode", "--json"], 16000)])
def test_decode_of_a_deep_nest_is_one_line_with_the_offset(monkeypatch, capsys, argv, levels):
    rc, _, err = run_cli(monkeypatch, capsys, argv, deep_link(levels).hex().encode())
    assert rc == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert f"offset {ATTRS_AT + 4 * MAX_DEPTH}" in err and "nested deeper" in err


# -- repeats -------------------------------------------------------------------------------------------
def test_repeated_attributes_keep_every_value_in_order_once_past_two():
    (m,) = parse(message(C.RTM_NEWLINK, LINK + b"".join(A.u32(C.IFLA_MTU, i) for i in range(5))))
    assert R.decode(m)["attrs"]["IFLA_MTU"] == [0, 1, 2, 3, 4]


# Linear cost in repeats is a benchmark's to show, not a timed unit test's:
# `python3 bench/decode_cost.py --check` exits 1 when the time per byte grows with the input.


# -- decode's output, one message at a time ----------------------------------------------------------
@pytest.mark.parametrize("items", [[], [{"a": [1, {"b": "x\ny"}]}], [{"a": 1}, {"b": [2, 3]}, {}]])
def test_json_list_written_item_by_item_equals_the_whole_list_dumped(items):
    out = io.StringIO()
    D.write_json_list(iter(items), out)
    assert out.getvalue() == json.dumps(items, indent=2) + "\n"


def test_decode_json_writes_each_message_before_describing_the_next(monkeypatch, capsys):
    """Streaming: when message k is described, message k-1 is already on stdout (nothing accumulates)."""
    data = b"".join(message(C.RTM_NEWLINK, LINK + A.string(C.IFLA_IFNAME, f"if{i}"), seq=i) for i in range(4))
    described = D.describe_each
    written = io.StringIO()

    def watched(msgs, protocol):
        for i, d in enumerate(described(msgs, protocol)):
            if i:
                assert f'"seq": {i - 1}' in written.getvalue()
            yield d
    monkeypatch.setattr(D, "describe_each", watched)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.hex().encode())))
    monkeypatch.setattr(sys, "stdout", written)
    assert main(["decode", "--json"]) == 0
    assert [d["seq"] for d in json.loads(written.getvalue())] == [0, 1, 2, 3]
