"""Comparing two profiles' observations, and the terminal report of the comparison.

Two runs from different contexts (rootless or not, init_net or not: identity.run_of) skip
different tests, so a key present in only one of them says nothing about the kernels: it is
reported as *not comparable*, never as a difference.  Keys both runs recorded are compared
as always.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from .identity import run_of
from .schema import TEST_COUNTS, key_family, show_value, values_equal
from .terminal import printable

__all__ = ["diff_profiles", "has_differences", "format_diff", "run_text"]


def _natural_key(key: str) -> list[tuple[int, int, str]]:
    # perm.root.ROUTE.bind.2 sorts before perm.root.ROUTE.bind.10
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", key) if p != ""]


def _sorted_keys(keys: Iterable[str]) -> list[str]:
    return sorted(keys, key=_natural_key)


def _release(profile: dict[str, Any]) -> str:
    k = profile.get("kernel")
    return k.get("release", "unknown") if isinstance(k, dict) else "unknown"


def diff_profiles(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Compare the observations of two profiles.

    Returns ``{"changed": {key: [a_value, b_value]}, "only_a": {key: value},
    "only_b": {key: value}, "kernels": {"a": release, "b": release},
    "headers": {"a": ..., "b": ...}, "tests": {"a": counts, "b": counts},
    "same": number of keys with equal values, "run": {"a": context, "b": context},
    "not_comparable": {"a": {key: value}, "b": {key: value}}}``.  Only changed, only_a and
    only_b are behavioural differences; the rest is context.  When the run contexts differ,
    keys present in one profile only go to not_comparable instead of only_a/only_b.
    """
    oa, ob = a.get("observations", {}), b.get("observations", {})
    changed: dict[str, list[Any]] = {}
    only_a: dict[str, Any] = {}
    only_b: dict[str, Any] = {}
    same = 0
    for key in _sorted_keys(oa):
        if key not in ob:
            only_a[key] = oa[key]
        elif values_equal(oa[key], ob[key]):
            same += 1
        else:
            changed[key] = [oa[key], ob[key]]
    for key in _sorted_keys(ob):
        if key not in oa:
            only_b[key] = ob[key]
    run_a, run_b = run_of(a), run_of(b)
    not_comparable: dict[str, dict[str, Any]] = {"a": {}, "b": {}}
    if run_a != run_b:
        not_comparable = {"a": only_a, "b": only_b}
        only_a, only_b = {}, {}
    return {
        "changed": changed,
        "only_a": only_a,
        "only_b": only_b,
        "kernels": {"a": _release(a), "b": _release(b)},
        "headers": {"a": a.get("headers", "unknown"), "b": b.get("headers", "unknown")},
        "tests": {"a": dict(a.get("tests") or {}), "b": dict(b.get("tests") or {})},
        "same": same,
        "run": {"a": run_a, "b": run_b},
        "not_comparable": not_comparable,
    }


def has_differences(d: dict[str, Any]) -> bool:
    """True when a diff from :func:`diff_profiles` shows behavioural differences."""
    return bool(d.get("changed") or d.get("only_a") or d.get("only_b"))


def _counts(tests: dict[str, int] | None) -> str:
    if not tests:
        return "no test counts"
    return ", ".join(f"{tests.get(n, 0)} {n}" for n in TEST_COUNTS)


def run_text(run: dict[str, Any] | None) -> str:
    """A run context in words: 'host', 'rootless, not init_netns', 'not init_netns', 'init_netns unknown' ..."""
    run = run or {}
    parts = ["rootless"] if run.get("rootless") else []
    if "init_netns" not in run:
        parts.append("init_netns unknown")
    elif not run["init_netns"]:
        parts.append("not init_netns")
    return ", ".join(parts) or "host"


def _not_comparable_lines(d: dict[str, Any]) -> list[str]:
    """Per family, how many keys only one run recorded (listed by --json, not here: they are not differences)."""
    nc = d.get("not_comparable") or {}
    a, b = nc.get("a") or {}, nc.get("b") or {}
    if not (a or b):
        return []
    lines = [f"[not comparable: run context differs] {len(a)} only in A, {len(b)} only in B "
             "(skipped in the other run; `--json` lists them)"]
    per_family: dict[str, list[int]] = {}
    for side, keys in ((0, a), (1, b)):
        for key in keys:
            per_family.setdefault(key_family(key), [0, 0])[side] += 1
    for fam in sorted(per_family):
        na, nb = per_family[fam]
        lines.append(f"  {printable(fam)}: {na} only in A, {nb} only in B")
    return lines + [""]


def format_diff(d: dict[str, Any], a_name: str, b_name: str) -> str:
    """A terminal-readable rendering of a diff, grouped by key family.

    Every string from the profiles (release, headers, values) and the file
    names go through `printable`: a crafted profile cannot send escape
    sequences to the terminal.  Keys that are not comparable (the run contexts
    differ) are counted per family after the differences.
    """
    kernels = d.get("kernels", {})
    headers = d.get("headers", {})
    tests = d.get("tests", {})
    runs = d.get("run", {})
    lines = []
    for side, name in (("a", a_name), ("b", b_name)):
        lines += [f"{side.upper()}: {printable(name)}",
                  f"   kernel {printable(kernels.get(side, 'unknown'))}, "
                  f"headers {printable(headers.get(side, 'unknown'))}; tests: {_counts(tests.get(side))}; "
                  f"run: {run_text(runs.get(side))}"]
    lines.append("")
    not_comparable = _not_comparable_lines(d)
    nc = d.get("not_comparable") or {}
    n_nc = len(nc.get("a") or {}) + len(nc.get("b") or {})
    changed, only_a, only_b = d.get("changed", {}), d.get("only_a", {}), d.get("only_b", {})
    if not has_differences(d):
        lines += not_comparable
        tail = f"; {n_nc} not comparable (run context differs)" if n_nc else ""
        lines.append(f"no behavioural differences ({d.get('same', 0)} observations identical{tail})")
        return "\n".join(lines) + "\n"

    # family -> rows of (what, key, A shown, B shown)
    families: dict[str, list[tuple[str, str, str, str]]] = {}
    for key, (va, vb) in changed.items():
        families.setdefault(key_family(key), []).append(("changed", key, show_value(va), show_value(vb)))
    for key, va in only_a.items():
        families.setdefault(key_family(key), []).append(("only A", key, show_value(va), "-"))
    for key, vb in only_b.items():
        families.setdefault(key_family(key), []).append(("only B", key, "-", show_value(vb)))

    order = {"changed": 0, "only A": 1, "only B": 2}
    for fam in sorted(families):
        rows = sorted(families[fam], key=lambda r: (order[r[0]], _natural_key(r[1])))
        nc_ = sum(1 for r in rows if r[0] == "changed")
        na = sum(1 for r in rows if r[0] == "only A")
        nb = sum(1 for r in rows if r[0] == "only B")
        parts = [f"{n} {what}" for n, what in ((nc_, "changed"), (na, "only in A"), (nb, "only in B")) if n]
        lines.append(f"[{fam}] {', '.join(parts)}")
        kw = max(len(r[1]) for r in rows)
        aw = max(max(len(r[2]) for r in rows), 1)
        for what, key, va, vb in rows:
            lines.append(f"  {what:<7}  {printable(key):<{kw}}  A={va:<{aw}}  B={vb}".rstrip())
        lines.append("")
    lines += not_comparable

    total = len(changed) + len(only_a) + len(only_b)
    tail = f", {n_nc} not comparable (run context differs)" if n_nc else ""
    lines.append(
        f"{total} difference{'s' if total != 1 else ''}: {len(changed)} changed, "
        f"{len(only_a)} only in A, {len(only_b)} only in B; {d.get('same', 0)} identical{tail}"
    )
    return "\n".join(lines) + "\n"
