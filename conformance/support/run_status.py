"""The conformance run's verdict beyond pass/fail: a run that tested nothing is not a success.

Exit statuses (docs/running.md):
  4  the session stopped before collecting: this process lacks what every test needs (a network
     namespace it can create and leave), or --rootless could not be entered; one line says what
     is missing and how to run the suite (pytest's USAGE_ERROR)
  5  every conformance test that ran was skipped: nothing was tested (pytest's NO_TESTS_COLLECTED,
     "no test ran"); --allow-all-skipped or NETLINK_PROBE_ALLOW_ALL_SKIPPED=1 accepts it (exit 0)

Only conformance tests count (a session that also runs tests/ is judged on the conformance part),
and only on the xdist controller or the single process, which see every report.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from netlink_probe.pytest_plugin.outcomes import Outcomes
from netlink_probe.pytest_plugin.run_mode import ALLOW_ALL_SKIPPED_ENV, all_skipped_allowed

__all__ = ["EXIT_ALL_SKIPPED", "EXIT_NO_PRIVILEGES", "SUITE", "RunStatus"]

EXIT_NO_PRIVILEGES = pytest.ExitCode.USAGE_ERROR
EXIT_ALL_SKIPPED = pytest.ExitCode.NO_TESTS_COLLECTED

#: The conformance suite's directory: what its hooks judge and skip, leaving other tests (tests/) alone.
SUITE = Path(__file__).resolve().parent.parent


def _nodeid_prefix(rootpath: Path) -> str:
    """How the suite's node ids start under this rootdir ('conformance/'); '' counts every test."""
    rel = os.path.relpath(SUITE, rootpath)
    return "" if rel == "." or rel.startswith("..") else rel.replace(os.sep, "/") + "/"


class RunStatus:
    """Counts the conformance tests' outcomes; turns an all-skipped run into exit status 5."""

    def __init__(self, config: pytest.Config) -> None:
        self.prefix = _nodeid_prefix(config.rootpath)
        self.allowed = all_skipped_allowed(config)
        self.outcomes = Outcomes()
        self.verdict: str | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Count a conformance test's report."""
        if report.nodeid.startswith(self.prefix):
            self.outcomes.note_test_report(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Count a conformance module skipped (or failed) at collection."""
        if report.nodeid.startswith(self.prefix):
            self.outcomes.note_collect_report(report)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Exit status 5 when every conformance test was skipped and that was not allowed."""
        counts = self.outcomes.counts()
        if self.allowed or counts["passed"] or counts["failed"] or not counts["skipped"]:
            return
        if session.exitstatus != pytest.ExitCode.OK:
            return
        session.exitstatus = EXIT_ALL_SKIPPED
        self.verdict = (f"netlink-probe: all {counts['skipped']} conformance tests were skipped, nothing was tested "
                        f"(exit status {int(EXIT_ALL_SKIPPED)}); --allow-all-skipped or {ALLOW_ALL_SKIPPED_ENV}=1 "
                        "accepts that")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Say why the run failed although no test did."""
        if self.verdict:
            terminalreporter.write_line(self.verdict, red=True, bold=True)
