"""The standing adversarial battery (issue #13, item 6): every fuzz target as a hypothesis property.

Each target (`netlink_probe.fuzzing.targets`: framing, attributes, rtnl
decode, error reports, description and its text/JSON, monitor summaries, the
``ip -j`` renderers, the C bulk scanner, the ``decode`` command in-process)
gets mutants of the corpus (captured kernel replies and the issue's crafted
cases) and adversarial nests and repeats, and must give a value or a
DecodeError, never another exception.  Short here (NP_FUZZ_EXAMPLES per
property, default 30, inputs cut to 16 KiB); ``scripts/fuzz`` is the long run.
"""
from __future__ import annotations

import os
import signal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netlink_probe import DecodeError
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.fuzzing import TARGETS, Mutator, crafted, load, run_target
from netlink_probe.fuzzing.mutate import NEST_TYPES, message, nest

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz_corpus")
SEEDS = sorted({**load(DATA), **load(CORPUS), **crafted()}.items())
EXAMPLES = int(os.environ.get("NP_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
HEADERS = {C.RTM_NEWLINK: L.IFINFOMSG.pack(), C.RTM_NEWROUTE: L.RTMSG.pack(rtm_family=C.AF_INET),
           C.RTM_NEWNEIGHTBL: L.NDTMSG.pack() + b"\0", C.GENL_ID_CTRL: L.GENLMSGHDR.pack(cmd=1)}


def test_the_corpus_has_every_captured_kind_and_the_crafted_cases():
    names = {n.split("#")[0].split(".")[0] for n, _ in SEEDS}
    for kind in ("links", "addrs", "routes_v4", "routes_v6", "neigh", "neightbl", "notify_link", "live_rules",
                 "live_genl_families", "deep_nest_1000", "garbage_5_bytes", "error_int_min", "repeated_mtu_8000"):
        assert kind in names


@pytest.mark.parametrize("name", TARGETS)
def test_every_corpus_entry_decodes_or_is_refused(name):
    for _, data in SEEDS:
        run_target(TARGETS[name], data)  # raises anything but DecodeError


@pytest.mark.parametrize("name", TARGETS)
@FUZZ
@given(seed=st.integers(0, 2**32 - 1), pick=st.integers(0, len(SEEDS) - 1))
def test_mutants_of_the_corpus_give_values_or_decode_errors(name, seed, pick):
    """Bit flips, length fields, splices, deep nests, repeats and forged error fields of a corpus entry."""
    mutant = Mutator([d for _, d in SEEDS], seed, limit=16 * 1024).mutate(SEEDS[pick][1])
    run_target(TARGETS[name], mutant)


@st.composite
def hostile_messages(draw):
    """One message of a family with attributes nested 1..20000 deep, or one attribute repeated 1..16000 times."""
    mtype = draw(st.sampled_from(sorted(HEADERS)))
    if draw(st.booleans()):
        types = tuple(draw(st.lists(st.sampled_from(NEST_TYPES), min_size=1, max_size=3)))
        attrs = nest(draw(st.integers(1, 20000)), types, draw(st.binary(max_size=16)), flagged=draw(st.booleans()))
    else:
        one = A.attr(draw(st.sampled_from(NEST_TYPES + (C.IFLA_IFNAME, C.IFLA_MTU))), draw(st.binary(max_size=12)))
        attrs = one * draw(st.integers(1, 0xFFFF // len(one)))
    return message(mtype, HEADERS[mtype] + attrs)


@pytest.mark.parametrize("name", TARGETS)
@settings(max_examples=max(5, EXAMPLES // 3), deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(hostile_messages())
def test_adversarially_nested_and_repeated_messages_give_values_or_decode_errors(name, data):
    run_target(TARGETS[name], data)


def test_the_long_run_counts_decode_errors_and_saves_untyped_exceptions_and_hangs(tmp_path):
    """scripts/fuzz's bookkeeping: a refusal is counted, a crash and a CPU-bound loop each leave a reproducer."""
    from netlink_probe.fuzzing.campaign import Counts, Hang, run_one

    def refuses(data: bytes) -> None:
        run_target(TARGETS["parse"], data)
        raise DecodeError(0, "no")

    def crashes(data: bytes) -> None:
        raise IndexError("boom")

    def spins(data: bytes) -> None:
        while True:
            pass

    counts, seen = Counts(), set()
    old = signal.signal(signal.SIGPROF, lambda *a: (_ for _ in ()).throw(Hang()))
    try:
        for name, fn in (("refuses", refuses), ("crashes", crashes), ("spins", spins)):
            run_one(name, fn, b"\x05\0\0\0\0", 0.2, counts, str(tmp_path), seen)
    finally:
        signal.signal(signal.SIGPROF, old)
    assert (counts.decode_errors["refuses"], counts.untyped["crashes"], counts.hangs["spins"]) == (1, 1, 1)
    assert sorted(p.name.split("-")[0] for p in tmp_path.glob("*.bin")) == ["hang", "untyped"]
    assert "IndexError: boom" in next(tmp_path.glob("untyped-*.txt")).read_text()
