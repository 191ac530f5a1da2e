"""Comparing two profiles' observations, and the terminal report of the comparison."""

from __future__ import annotations

import re
from typing import Any, Iterable

from .schema import TEST_COUNTS, key_family, show_value, values_equal
from .terminal import printable

__all__ = ["diff_profiles", "has_differences", "format_diff"]


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
    "same": number of keys with equal values}``.  Only changed, only_a and
    only_b are behavioural differences; the rest is context.
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
    return {
        "changed": changed,
        "only_a": only_a,
        "only_b": only_b,
        "kernels": {"a": _release(a), "b": _release(b)},
        "headers": {"a": a.get("headers", "unknown"), "b": b.get("headers", "unknown")},
        "tests": {"a": dict(a.get("tests") or {}), "b": dict(b.get("tests") or {})},
        "same": same,
    }


def has_differences(d: dict[str, Any]) -> bool:
    """True when a diff from :func:`diff_profiles` shows behavioural differences."""
    return bool(d.get("changed") or d.get("only_a") or d.get("only_b"))


def _counts(tests: dict[str, int] | None) -> str:
    if not tests:
        return "no test counts"
    return ", ".join(f"{tests.get(n, 0)} {n}" for n in TEST_COUNTS)


def format_diff(d: dict[str, Any], a_name: str, b_name: str) -> str:
    """A terminal-readable rendering of a diff, grouped by key family.

    Every string from the profiles (release, headers, values) and the file
    names go through `printable`: a crafted profile cannot send escape
    sequences to the terminal.
    """
    kernels = d.get("kernels", {})
    headers = d.get("headers", {})
    tests = d.get("tests", {})
    lines = []
    for side, name in (("a", a_name), ("b", b_name)):
        lines += [f"{side.upper()}: {printable(name)}",
                  f"   kernel {printable(kernels.get(side, 'unknown'))}, "
                  f"headers {printable(headers.get(side, 'unknown'))}; tests: {_counts(tests.get(side))}"]
    lines.append("")
    changed, only_a, only_b = d.get("changed", {}), d.get("only_a", {}), d.get("only_b", {})
    if not has_differences(d):
        lines.append(f"no behavioural differences ({d.get('same', 0)} observations identical)")
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
        nc = sum(1 for r in rows if r[0] == "changed")
        na = sum(1 for r in rows if r[0] == "only A")
        nb = sum(1 for r in rows if r[0] == "only B")
        parts = [f"{n} {what}" for n, what in ((nc, "changed"), (na, "only in A"), (nb, "only in B")) if n]
        lines.append(f"[{fam}] {', '.join(parts)}")
        kw = max(len(r[1]) for r in rows)
        aw = max(max(len(r[2]) for r in rows), 1)
        for what, key, va, vb in rows:
            lines.append(f"  {what:<7}  {printable(key):<{kw}}  A={va:<{aw}}  B={vb}".rstrip())
        lines.append("")

    total = len(changed) + len(only_a) + len(only_b)
    lines.append(
        f"{total} difference{'s' if total != 1 else ''}: {len(changed)} changed, "
        f"{len(only_a)} only in A, {len(only_b)} only in B; {d.get('same', 0)} identical"
    )
    return "\n".join(lines) + "\n"
