"""Test outcomes as the profile counts them, and grouped per area (test module) for the summary.

One status per test id: a failure in any phase wins, a skip replaces a pass,
a pass counts only for the call phase.  Only the controller (or the single
process) counts: it sees every report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

__all__ = ["Outcomes", "AreaTally", "area_of", "skip_reason"]

NO_REASON = "(no reason given)"


def area_of(nodeid: str) -> str:
    """The area of a test: its module's name without ``test_``."""
    path = nodeid.split("::", 1)[0]
    stem = PurePosixPath(path).stem or path
    return stem[len("test_"):] if stem.startswith("test_") and len(stem) > 5 else stem


def skip_reason(report: Any) -> str:
    """The reason of a skipped (or xfailed) report, without pytest's 'Skipped: ' prefix."""
    wasxfail = getattr(report, "wasxfail", None)
    if wasxfail is not None:
        return f"xfail: {wasxfail}" if wasxfail else "xfail"
    longrepr = report.longrepr
    if isinstance(longrepr, (tuple, list)) and len(longrepr) == 3:
        reason = str(longrepr[2])
    else:
        reason = str(longrepr) if longrepr is not None else ""
    if reason.startswith("Skipped: "):
        reason = reason[len("Skipped: "):]
    return reason.strip() or NO_REASON


@dataclass
class AreaTally:
    """The outcomes of one area, with how often each skip reason came up."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class Outcomes:
    """nodeid -> "passed" | "failed" | "skipped", plus skip reasons."""

    def __init__(self) -> None:
        self.status: dict[str, str] = {}
        self.reasons: dict[str, str] = {}

    def note(self, nodeid: str, outcome: str, reason: str | None = None) -> None:
        """Record *outcome* for *nodeid*: a failure wins, a skip replaces a pass."""
        prev = self.status.get(nodeid)
        if prev == "failed":
            return
        if outcome == "failed":
            self.status[nodeid] = "failed"
            self.reasons.pop(nodeid, None)
        elif outcome == "skipped":
            self.status[nodeid] = "skipped"
            if reason is not None:
                self.reasons[nodeid] = reason
        elif outcome == "passed" and prev is None:
            self.status[nodeid] = "passed"

    def note_test_report(self, report: Any) -> None:
        """Count one phase's TestReport (a pass only from the call phase)."""
        if report.failed:
            self.note(report.nodeid, "failed")
        elif report.skipped:
            self.note(report.nodeid, "skipped", skip_reason(report))
        elif report.passed and report.when == "call":
            self.note(report.nodeid, "passed")

    def note_collect_report(self, report: Any) -> None:
        """Count a CollectReport that failed or skipped a module (as one test)."""
        # Only module-level skips and collection errors matter here.
        if report.passed:
            return
        if report.failed:
            self.note(report.nodeid, "failed")
        elif report.skipped:
            self.note(report.nodeid, "skipped", skip_reason(report))

    def counts(self) -> dict[str, int]:
        """How many tests passed, failed and were skipped."""
        out = {"passed": 0, "failed": 0, "skipped": 0}
        for st in self.status.values():
            out[st] += 1
        return out

    def by_area(self) -> dict[str, AreaTally]:
        """The outcomes per area (test module), with skip reasons counted."""
        areas: dict[str, AreaTally] = {}
        for nodeid, st in self.status.items():
            a = areas.setdefault(area_of(nodeid), AreaTally())
            setattr(a, st, getattr(a, st) + 1)
            if st == "skipped":
                reason = self.reasons.get(nodeid, NO_REASON)
                a.reasons[reason] = a.reasons.get(reason, 0) + 1
        return areas
