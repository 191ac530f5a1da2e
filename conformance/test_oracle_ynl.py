"""YNL as a third decode oracle: the kernel's bytes for a rich namespace, decoded by YNL and by netlink_probe.

The namespace and its bytes come from `netlink_probe.coverage.richns` (dumps of links, addresses,
IPv4/IPv6/multicast routes, neighbours, proxies, neighbour tables; requests the suite builds and
their replies); YNL is the kernel's own `tools/net/ynl` library with the rt_link/rt_addr/rt_route
specs of Debian's linux-source-6.12 (`scripts/fetch-linux-source`; 6.12 has no rt_neigh spec).
Attributes both decoders type must agree, except YNL mistakes listed in docs/ynl-allowlist.md with
the kernel source that proves netlink_probe right.  Attributes one side leaves raw are counted and
recorded, not failed (`scripts/decode-coverage` lists them).  Byte-order-sensitive attributes are
checked against the values put on the wire here, not only against YNL.
"""
from __future__ import annotations

import re
from collections import Counter

import pytest

from netlink_probe.coverage.agreement import Pair, compare_message
from netlink_probe.coverage.allowlist import ALLOWLIST_DOC, load_allowlist
from netlink_probe.coverage.richns import WIRE, RichNetnsError, capture, missing_tools
from netlink_probe.coverage.ynl_view import Ynl, YnlUnavailable
from netlink_probe.matrix.linux_source import source_tree

pytestmark = pytest.mark.oracle
_CACHE: dict = {}


def _ynl() -> Ynl:
    tree = source_tree()
    if tree is None:
        pytest.skip("no linux-source-6.12 cache (run scripts/fetch-linux-source): YNL is not available")
    try:
        return Ynl(tree)
    except YnlUnavailable as e:
        pytest.skip(f"YNL does not load from {tree}: {e}")


def _compared() -> tuple[list[Pair], list[str], list[tuple[str, bytes]]]:
    """(every attribute pair, fixed-header differences, captured messages), built once per process."""
    if "pairs" not in _CACHE:
        ynl = _ynl()
        if missing_tools():
            pytest.skip(f"the rich namespace needs {', '.join(missing_tools())}")
        try:
            cap = capture()
        except RichNetnsError as e:
            pytest.skip(f"the rich namespace cannot be built here: {e}")
        pairs: list[Pair] = []
        headers: list[str] = []
        for label, raw in cap.messages:
            p, h = compare_message(label, raw, ynl)
            pairs += p
            headers += [f"{label}: {d}" for d in h]
        _CACHE.update(pairs=pairs, headers=headers, messages=cap.messages)
    return _CACHE["pairs"], _CACHE["headers"], _CACHE["messages"]


def test_attributes_both_decoders_type_agree_with_ynl(record_property):
    """rtnl_fill_ifinfo/rt_fill_info/inet_fill_ifaddr: every attribute YNL and netlink_probe both type reads the same."""
    pairs, _, _ = _compared()
    allowed = {n for e in load_allowlist() for n in e.names}
    verdicts = Counter(p.verdict for p in pairs)
    for k, v in verdicts.items():
        record_property(k, v)
    record_property("attributes", len(pairs))
    assert verdicts["agree"] > 0, "nothing was typed by both decoders"
    wrong = sorted({f"{p.label}: {'/'.join(p.path)} np={p.np_value!r} ynl={p.ynl_value!r}"[:300]
                    for p in pairs if p.verdict == "disagree" and p.name not in allowed})
    assert wrong == [], f"{len(wrong)} disagreements not in {ALLOWLIST_DOC.name}:\n" + "\n".join(wrong[:20])


def test_raw_leftovers_are_counted_not_failed(record_property):
    """rtnetlink: attributes one decoder leaves as bytes are reported per side (scripts/decode-coverage lists them)."""
    pairs, _, _ = _compared()
    np_raw = Counter("/".join(p.path) for p in pairs if p.np_status != "typed")
    ynl_raw = Counter("/".join(p.path) for p in pairs if p.ynl_status != "typed")
    record_property("raw_by_netlink_probe", sum(np_raw.values()))
    record_property("raw_by_ynl", sum(ynl_raw.values()))
    record_property("raw_by_netlink_probe_paths", dict(np_raw.most_common(50)))
    assert sum(np_raw.values()) + sum(ynl_raw.values()) <= 2 * len(pairs)


def test_fixed_headers_agree_with_ynl():
    """rtnl_fill_ifinfo/rt_fill_info/inet_fill_ifaddr: ifinfomsg, rtmsg and ifaddrmsg fields read the same in YNL."""
    _, headers, _ = _compared()
    assert headers == []


@pytest.mark.parametrize("name", sorted(WIRE))
def test_byte_order_sensitive_value_reads_as_put_on_the_wire(name):
    """inet_rtm_getroute/vxlan_fdb_parse/vxlan_fill_info: big-endian ports decode to the number the suite sent."""
    pairs, _, _ = _compared()
    seen = [p for p in pairs if p.name == name]
    if name in ("RTA_SPORT", "RTA_DPORT"):  # put on the wire by the suite's own `ip route get` requests
        seen = [p for p in seen if p.label.startswith("request route get")]
    assert seen, f"no {name} in the captured messages"
    for p in seen:
        assert p.np_status == "typed", f"{p.label}: {'/'.join(p.path)} left raw: {p.np_value!r}"
        assert p.np_value == WIRE[name], f"{p.label}: {'/'.join(p.path)} = {p.np_value!r}, sent {WIRE[name]}"


def test_every_allowlist_entry_names_kernel_source_and_is_still_needed():
    """docs/ynl-allowlist.md: each entry cites the kernel file that proves it, and its attributes, where this
    kernel sends them (a bridge's VLAN protocol needs CONFIG_BRIDGE_VLAN_FILTERING, GRE a loaded ip_gre), still
    disagree."""
    pairs, _, _ = _compared()
    entries = load_allowlist()
    assert entries, f"{ALLOWLIST_DOC} has no entries"
    disagreeing = {p.name for p in pairs if p.verdict == "disagree"}
    compared = {p.name for p in pairs if p.verdict in ("agree", "disagree")}
    for e in entries:
        assert re.search(r"(net|include|drivers)/[\w/]+\.[ch]", e.proof), f"{e.id}: no kernel source named"
        assert e.names & disagreeing or not e.names & compared, \
            f"{e.id}: {sorted(e.names)} decode alike now: drop the entry"
