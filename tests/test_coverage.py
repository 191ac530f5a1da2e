"""Unit tests of netlink_probe.coverage's pure parts: the allowlist parser, value normalising, verdicts, counts."""
from __future__ import annotations

from pathlib import Path

from netlink_probe.coverage.agreement import Pair, is_raw, normalise, np_status
from netlink_probe.coverage.allowlist import load_allowlist, parse_allowlist
from netlink_probe.coverage.report import counts

DOC = """
| id | attributes | what | proof |
| --- | --- | --- | --- |
| `a-1` | `RTA_SPORT`, `RTA_DPORT` | u16 | `net/ipv4/route.c` nla_get_be16 |
| no id | `X` | y | z |
"""


def test_allowlist_rows_give_ids_names_and_proof():
    (e,) = parse_allowlist(DOC)
    assert e.id == "a-1" and e.names == {"RTA_SPORT", "RTA_DPORT"} and "net/ipv4/route.c" in e.proof


def test_the_shipped_allowlist_parses():
    """The checkout's docs/ynl-allowlist.md (ALLOWLIST_DOC is where a checkout's package finds it)."""
    doc = Path(__file__).resolve().parent.parent / "docs" / "ynl-allowlist.md"
    assert doc.is_file() and {e.id for e in load_allowlist(doc)} >= {"ynl-route-ports-host-order"}


def test_normalise_makes_both_readings_comparable():
    assert normalise("FD00:0::1") == normalise("fd00::1")
    assert normalise(b"\x01\x02") == normalise({"hex": "0102", "uint": 513})
    assert normalise({"ifi_pad": 0, "use_tempaddr": 3}) == [3]
    assert normalise({"x": 1, "y": [2]}) == [1, [2]]
    assert normalise("02:AA:00:00:00:01") == "02:aa:00:00:00:01"


def test_np_status_of_tree_entries():
    assert np_status({"known": True, "value": 5}) == "typed"
    assert np_status({"known": True, "value": {"hex": "00"}}) == "raw"
    assert np_status({"known": False, "value": {"hex": "00"}}) == "unknown"
    assert np_status({"known": True, "attrs": []}) == "typed"
    assert is_raw({"hex": "00", "text": "a"}) and not is_raw({"hex": "00", "rx": 1})


def test_verdicts_and_counts():
    ps = [Pair("l", ("route", "RTA_SPORT"), 10, "typed", "typed", 1234, 53764),
          Pair("l", ("route", "RTA_OIF"), 4, "typed", "typed", 3, 3),
          Pair("l", ("link", "IFLA_X"), 99, "raw", "typed", {"hex": "00"}, 0),
          Pair("l", ("neigh", "NDA_DST"), 1, "typed", "nospec", "10.0.0.1")]
    assert [p.verdict for p in ps] == ["disagree", "agree", "np-raw", "ynl-raw"]
    c = counts(ps, frozenset({"RTA_SPORT"}))
    assert c["attributes"] == 4 and c["netlink_probe"] == {"typed": 3, "raw": 1}
    assert c["ynl"]["raw"] == 1 and c["ynl"]["no_spec"] == 1
    assert c["disagreements"] == {"allowlisted": 1, "unexplained": 0}
    assert c["raw_by_netlink_probe"] == {"link: IFLA_X": 1}
