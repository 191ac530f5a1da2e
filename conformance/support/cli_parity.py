"""`netlink-probe dump ... --json` against iproute2's JSON in the same namespace, key for key.

``parity(ns, tool_args, cli_args)`` reads iproute2 (``ip -j ...`` or
``bridge -j ...``), then netlink-probe, then iproute2 again, and compares
the two tools' objects in order, key for key (keys, their order and values).

The comparison rule for values that change between two reads (documented in
docs/cli.md): a value is *volatile* when its key is a counter or a timer --
statistics (``stats64``/``stats``), bridge and port timers (``*_timer``),
neighbour and fdb cache ages (``used``, ``confirmed``, ``updated``), mdb
timers (``timer``), IPv6 route/address lifetimes are not volatile (a test
namespace has none that run down).  Volatile values must lie between
iproute2's read before and its read after (counters grow, timers run up or
down); every other value must be equal in all three reads.  A read whose
non-volatile part changed between iproute2's two reads (DAD, linkwatch) is
retried, as is one where a timer wrapped (a bridge's gc timer restarts);
six failed tries fail the test with the differences.
"""
from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import pytest

from .cli_fork import run_cli
from .iproute2 import have_ip

__all__ = ["VOLATILE_KEYS", "cli", "cli_json", "compare", "parity", "tool", "tool_json", "tool_text"]

VOLATILE_KEYS = frozenset({"hello_timer", "tcn_timer", "topology_change_timer", "gc_timer", "hold_timer",
                           "message_age_timer", "forward_delay_timer", "used", "confirmed", "updated", "timer"})
_VOLATILE_PARENTS = frozenset({"stats64", "stats"})


def tool(ns: Any, argv: list[str]) -> subprocess.CompletedProcess:
    """iproute2's ``ip`` or ``bridge`` (argv[0]) run inside *ns*."""
    if not have_ip():
        pytest.skip("iproute2's ip or util-linux's nsenter is not installed")
    return subprocess.run(["nsenter", f"--net={ns.path}", *argv], capture_output=True, text=True, timeout=30)


def tool_json(ns: Any, argv: list[str]) -> Any:
    """`ip -j ...` / `bridge -j ...` (argv without -j) inside *ns*, parsed."""
    p = tool(ns, [argv[0], "-j", *argv[1:]])
    assert p.returncode == 0, f"{' '.join(argv)} failed: {p.stderr.strip()}"
    return json.loads(p.stdout) if p.stdout.strip() else []


def tool_text(ns: Any, argv: list[str]) -> list[str]:
    """The lines iproute2 prints (trailing blanks dropped)."""
    p = tool(ns, argv)
    assert p.returncode == 0, f"{' '.join(argv)} failed: {p.stderr.strip()}"
    return [line.rstrip() for line in p.stdout.splitlines()]


def cli(ns: Any, *args: str) -> subprocess.CompletedProcess:
    """`netlink-probe ARGS --netns <ns path>`, captured (forked: support/cli_fork.py)."""
    return run_cli([*args, "--netns", ns.path], timeout=60)


def cli_json(ns: Any, *args: str) -> Any:
    """`netlink-probe ARGS --json` in *ns*, parsed."""
    p = cli(ns, *args, "--json")
    assert p.returncode == 0, f"netlink-probe {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}"
    return json.loads(p.stdout)


def _volatile(path: tuple[Any, ...]) -> bool:
    return bool(path) and (path[-1] in VOLATILE_KEYS or any(p in _VOLATILE_PARENTS for p in path))


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):  # bridge's mdb timer: " 259.68"
        try:
            return float(v)
        except ValueError:
            return None
    return None


def compare(before: Any, ours: Any, after: Any, path: tuple[Any, ...] = ()) -> tuple[list[str], list[str]]:
    """(differences in stable values, differences in volatile values) of *ours* against iproute2's two reads."""
    stable: list[str] = []
    moving: list[str] = []
    where = "/".join(map(str, path)) or "<top>"
    if isinstance(before, dict) and isinstance(ours, dict):
        if list(before) != list(ours):
            stable.append(f"{where}: keys ip {list(before)} != netlink-probe {list(ours)}")
        for k in before:
            if k in ours:
                s, m = compare(before[k], ours[k], after.get(k) if isinstance(after, dict) else None, path + (k,))
                stable += s
                moving += m
        return stable, moving
    if isinstance(before, list) and isinstance(ours, list):
        if len(before) != len(ours):
            stable.append(f"{where}: ip shows {len(before)} entries, netlink-probe {len(ours)}")
        later = after if isinstance(after, list) and len(after) == len(before) else before
        for i, (b, o, a) in enumerate(zip(before, ours, later)):
            s, m = compare(b, o, a, path + (i,))
            stable += s
            moving += m
        return stable, moving
    if _volatile(path):
        lo, mid, hi = _number(before), _number(ours), _number(after)
        if None in (lo, mid, hi) or not min(lo, hi) <= mid <= max(lo, hi):  # type: ignore[type-var]
            moving.append(f"{where}: netlink-probe {ours!r} not between ip's {before!r} and {after!r}")
        return stable, moving
    if before != ours or type(before) is not type(ours):
        stable.append(f"{where}: ip {before!r} != netlink-probe {ours!r}")
    return stable, moving


def _without_volatile(obj: Any, path: tuple[Any, ...] = ()) -> Any:
    if isinstance(obj, dict):
        return {k: _without_volatile(v, path + (k,)) for k, v in obj.items() if not _volatile(path + (k,))}
    if isinstance(obj, list):
        return [_without_volatile(v, path + (i,)) for i, v in enumerate(obj)]
    return obj


def parity(ns: Any, tool_args: list[str], cli_args: list[str], *, tries: int = 6,
           theirs_filter: Any = None, order: Any = None) -> tuple[Any, Any]:
    """Assert that `netlink-probe dump CLI_ARGS --json` shows what iproute2 TOOL_ARGS shows (the rule above).

    *theirs_filter* (optional) maps iproute2's list before comparing (to set aside a documented iproute2
    quirk); *order* (optional) is a sort key for both lists, where the two tools list the same objects in
    different orders (ip addr groups addresses by link).  Returns (iproute2's objects, ours) of the read
    that passed."""
    last: list[str] = []
    for _ in range(tries):
        before = tool_json(ns, tool_args)
        ours = cli_json(ns, "dump", *cli_args)
        after = tool_json(ns, tool_args)
        if theirs_filter is not None:
            before, after = theirs_filter(before), theirs_filter(after)
        if order is not None:
            before, ours, after = (sorted(x, key=order) for x in (before, ours, after))
        if _without_volatile(before) != _without_volatile(after):
            last = ["iproute2's two reads differ outside counters and timers"]
            time.sleep(0.3)
            continue
        stable, moving = compare(before, ours, after)
        assert not stable, f"`{' '.join(tool_args)}` vs `dump {' '.join(cli_args)}`:\n" + "\n".join(stable)
        if not moving:
            return before, ours
        last = moving
        time.sleep(0.3)
    pytest.fail(f"`{' '.join(tool_args)}` vs `dump {' '.join(cli_args)}` never agreed in {tries} reads:\n"
                + "\n".join(last))
