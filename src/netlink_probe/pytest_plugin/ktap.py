"""KTAP v1 output (Documentation/dev-tools/ktap.rst), the format kernel CI systems read.

One top-level test per test module, each a subtest block with one line per
test case::

    KTAP version 1
    1..2
        KTAP version 1
        # Subtest: acks
        1..2
        ok 1 test_ack_carries_the_request_header
        not ok 2 test_capped_ack
        # ... (failure diagnostics)
    ok 1 acks
    ...

A skipped case is ``ok N name # SKIP reason``; a module whose cases were all
skipped is itself ``ok N area # SKIP``.  KTAP names may not contain ``#``
and are one line: both are replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .outcomes import area_of

__all__ = ["CaseResult", "render_ktap"]

_INDENT = "    "


@dataclass(frozen=True)
class CaseResult:
    """One test's final result: nodeid, 'passed' | 'failed' | 'skipped', skip reason, failure lines."""

    nodeid: str
    status: str
    reason: str = ""
    diagnostic: tuple[str, ...] = ()


def _name(text: str) -> str:
    """A KTAP test name: one line, no '#' (it starts a directive)."""
    return " ".join(text.replace("#", "_").split()) or "unnamed"


def _case_name(nodeid: str) -> str:
    """'test_x[param]' of 'conformance/test_a.py::test_x[param]' (class prefixes kept: 'Cls.test')."""
    parts = nodeid.split("::")
    return _name(".".join(parts[1:]) if len(parts) > 1 else parts[0])


def _line(n: int, name: str, status: str, reason: str) -> str:
    if status == "failed":
        return f"not ok {n} {name}"
    if status == "skipped":
        return f"ok {n} {name} # SKIP {_name(reason)}".rstrip()
    return f"ok {n} {name}"


def render_ktap(results: Iterable[CaseResult], header: Mapping[str, str] | None = None) -> str:
    """The whole KTAP v1 document of *results* (grouped by test module, in first-seen order).

    *header* entries become diagnostic lines after the version line (e.g. the kernel release)."""
    modules: dict[str, list[CaseResult]] = {}
    for r in results:
        modules.setdefault(area_of(r.nodeid), []).append(r)
    out = ["KTAP version 1"]
    out += [f"# {k}: {_name(v)}" for k, v in (header or {}).items()]
    out.append(f"1..{len(modules)}")
    for i, (area, cases) in enumerate(modules.items(), 1):
        out += [f"{_INDENT}KTAP version 1", f"{_INDENT}# Subtest: {_name(area)}", f"{_INDENT}1..{len(cases)}"]
        for j, c in enumerate(cases, 1):
            out.append(_INDENT + _line(j, _case_name(c.nodeid), c.status, c.reason))
            out += [f"{_INDENT}# {d}" for d in c.diagnostic]
        statuses = {c.status for c in cases}
        if "failed" in statuses:
            out.append(f"not ok {i} {_name(area)}")
        elif statuses == {"skipped"}:
            out.append(f"ok {i} {_name(area)} # SKIP all {len(cases)} skipped")
        else:
            out.append(f"ok {i} {_name(area)}")
    return "\n".join(out) + "\n"
