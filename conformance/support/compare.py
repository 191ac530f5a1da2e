"""Two normalised views compared field by field; a disagreement asks iproute2 whom it agrees with.

``diff(kind, ours, theirs, fields=None)`` lists the differences (lines for
objects only one side sees, (key, field, ours, theirs) tuples otherwise);
``assert_same(kind, ours, theirs, ns=None, fields=None)`` raises with one line per
difference, each naming which side `ip -j -d` in *ns* agrees with;
``tiebreak(ns, kind, key, field, ours, theirs)`` is that sentence alone.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .iproute2 import IP_FLAGS_MASK, ip_view
from .normalise import FIELDS, KEYS, key_of, without_volatile

__all__ = ["assert_same", "diff", "pair_up", "tiebreak"]


def _as_list(view: Any) -> list[dict]:
    return [view] if isinstance(view, dict) else list(view)


def pair_up(first: Iterable[dict], second: Iterable[dict], key: Callable[[dict], Any]) -> list[tuple]:
    """The objects of two lists matched by *key*: (key, object of *first* or None, object of *second* or None)."""
    a = {key(o): o for o in first}
    b = {key(o): o for o in second}
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b), key=repr)]


def diff(kind: str, ours: Any, theirs: Any, fields: Any = None) -> list:
    """Differences between two normalised views (lists or single dicts)."""
    fields = tuple(fields or FIELDS[kind])
    out: list = []
    for k, x, y in pair_up(_as_list(ours), _as_list(theirs), lambda o: key_of(kind, o)):
        if y is None:
            out.append(f"{kind} {k}: only netlink_probe sees it: {without_volatile(kind, x)}")
        elif x is None:
            out.append(f"{kind} {k}: only pyroute2 sees it: {without_volatile(kind, y)}")
        else:
            x, y = without_volatile(kind, x), without_volatile(kind, y)
            out.extend((k, f, x.get(f), y.get(f)) for f in fields if x.get(f) != y.get(f))
    return out


def assert_same(kind: str, ours: Any, theirs: Any, ns: Any = None, fields: Any = None) -> None:
    """ours == theirs field by field; the failure names which side `ip -j -d` agrees with."""
    problems = diff(kind, ours, theirs, fields)
    if not problems:
        return
    ipv = None
    lines = [f"netlink_probe and pyroute2 disagree on {kind}s:"]
    for p in problems:
        if isinstance(p, str):
            lines.append("  " + p)
            continue
        k, f, x, y = p
        line = f"  {kind} {dict(zip(KEYS[kind], k))} field {f!r}: netlink_probe={x!r} pyroute2={y!r}"
        if ns is not None:
            try:
                if ipv is None:
                    ipv = {key_of(kind, o): o for o in ip_view(ns, kind)}
                line += "; " + _verdict(ipv, k, f, x, y)
            except Exception as e:  # noqa: BLE001 - the tie-breaker is advice, the diff is the failure
                line += f"; iproute2 unavailable ({e!r})"
        lines.append(line)
    raise AssertionError("\n".join(lines))


def _is_link(obj: dict) -> bool:
    return "operstate" in obj or "mtu" in obj


def _verdict(ipv: dict, k: tuple, field: str, ours: Any, theirs: Any) -> str:
    obj = ipv.get(k)
    if obj is None:
        # match on the first key field only (ip may not show every key field)
        cands = [o for kk, o in ipv.items() if kk[:1] == k[:1]]
        obj = cands[0] if len(cands) == 1 else None
    if obj is None or field not in obj:
        return "iproute2 does not show this field"
    v = obj[field]
    if field == "flags" and _is_link(obj):
        ours = ours & IP_FLAGS_MASK if isinstance(ours, int) else ours
        theirs = theirs & IP_FLAGS_MASK if isinstance(theirs, int) else theirs
    if v == ours and v != theirs:
        return f"ip agrees with netlink_probe ({v!r})"
    if v == theirs and v != ours:
        return f"ip agrees with pyroute2 ({v!r})"
    if v == ours == theirs:
        return f"ip agrees with both ({v!r})"
    return f"ip agrees with neither ({v!r})"


def tiebreak(ns: Any, kind: str, key: tuple, field: str, ours: Any, theirs: Any) -> str:
    """Which side iproute2 agrees with on one field of one object."""
    return _verdict({key_of(kind, o): o for o in ip_view(ns, kind)}, key, field, ours, theirs)
