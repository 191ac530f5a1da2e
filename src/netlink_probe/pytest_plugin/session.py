"""The plugin's per-session object: feeds the recorder and the outcomes, then writes the profile
and the end-of-run summary.

Registered once per session by :func:`netlink_probe.pytest_plugin.pytest_configure`.  On an xdist
worker it only hands the worker's observations to the controller; the controller (or the single
process) counts outcomes, merges workers' observations in ``pytest_testnodedown`` and does the
writing.
"""

from __future__ import annotations

import os
import platform
from typing import Any

import pytest

from netlink_probe.profile import build_profile, show_value, write_profile

from .ktap import CaseResult, render_ktap
from .outcomes import Outcomes
from .progress import ProgressLines
from .recorder import (WORKEROUTPUT_DOCS, WORKEROUTPUT_OBSERVATIONS, WORKEROUTPUT_ORIGINS, Recorder, first_doc_line,
                       function_id)

__all__ = ["ProfileSession"]


def _profile_path(config: pytest.Config) -> str | None:
    """Where --profile asks to write, checked now so a bad path fails before the tests run."""
    path = config.getoption("netlink_probe_profile", None)
    if not path:
        return None
    full = os.path.join(str(config.invocation_params.dir), os.path.expanduser(path))
    directory = os.path.dirname(full)
    if not os.path.isdir(directory):
        raise pytest.UsageError(f"--profile {path}: directory {directory} does not exist")
    if os.path.isdir(full):
        raise pytest.UsageError(f"--profile {path}: is a directory")
    return full


def _ktap_path(config: pytest.Config) -> str | None:
    """Where --ktap asks to write (relative to the invocation directory)."""
    path = config.getoption("netlink_probe_ktap", None)
    return os.path.join(str(config.invocation_params.dir), os.path.expanduser(path)) if path else None


def _failure_lines(report: pytest.TestReport, keep: int = 8) -> tuple[str, ...]:
    """The last lines of a failure's text: KTAP diagnostics (the assertion and where it failed)."""
    text = getattr(report, "longreprtext", "") or ""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return tuple(f"{report.when}: {ln}" for ln in lines[-keep:])


class ProfileSession:
    """Per-session state, registered as a plugin object."""

    def __init__(self, config: pytest.Config, recorder: Recorder) -> None:
        self.config = config
        self.recorder = recorder
        self.is_worker = hasattr(config, "workerinput")
        self.profile_path = None if self.is_worker else _profile_path(config)
        self.outcomes = Outcomes()
        self.lost_workers: list[str] = []
        self.written: int | None = None
        self.replaced = False  # the profile file existed before and was replaced (said in the summary)
        self.write_error: str | None = None
        self.ktap_path = None if self.is_worker else _ktap_path(config)
        self.failures: dict[str, tuple[str, ...]] = {}
        self.ktap_error: str | None = None
        self.test_docs: dict[str, str] = {}  # test function -> first docstring paragraph (for reports)
        self.progress = (ProgressLines() if not self.is_worker and config.getoption("netlink_probe_progress", False)
                         else None)

    # -- names and progress (controller or single process) -------------------

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """JUnit's <testsuite name> carries the kernel release, unless the user set junit_suite_name."""
        if self.is_worker:
            return
        try:
            from _pytest.junitxml import xml_key  # the LogXML object of --junitxml, when there is one
        except ImportError:  # pragma: no cover - a pytest without it: keep pytest's name
            return
        xml = self.config.stash.get(xml_key, None)
        if xml is not None and getattr(xml, "suite_name", None) == "pytest":
            xml.suite_name = f"netlink-probe.{platform.release()}"

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Each test's docstring for the profile; the total for the progress lines (single process)."""
        for item in session.items:
            self.test_docs.setdefault(function_id(item.nodeid), first_doc_line(getattr(item, "obj", None)))
        if self.progress is not None:
            self.progress.set_total(len(session.items))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """The total for the progress lines (xdist: every worker collects the whole suite)."""
        if self.progress is not None:
            self.progress.set_total(len(ids))

    # -- counting (controller or single process) --------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Count a test phase's outcome (controller or single process)."""
        if self.is_worker:
            return
        self.outcomes.note_test_report(report)
        if report.failed and (self.ktap_path or self.progress):
            self.failures[report.nodeid] = self.failures.get(report.nodeid, ()) + _failure_lines(report)
        if self.progress is not None and report.when == "teardown":
            self.progress.finished(report.nodeid, report.nodeid in self.failures)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Count a module skipped or failed at collection."""
        if not self.is_worker:
            self.outcomes.note_collect_report(report)

    # -- xdist -------------------------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """Merge a finished xdist worker's observations (or note that it handed none over)."""
        output = getattr(node, "workeroutput", None) or {}
        name = getattr(getattr(node, "gateway", None), "id", None) or "worker"
        if WORKEROUTPUT_OBSERVATIONS not in output:
            self.lost_workers.append(name)
            return
        self.recorder.merge_worker_output(output, where=name)
        for test, doc in (output.get(WORKEROUTPUT_DOCS) or {}).items():
            self.test_docs.setdefault(test, doc)

    # -- the end -----------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """A worker hands its observations over; the controller writes the profile (exit 3 if it cannot)."""
        if self.is_worker:
            out = self.recorder.worker_output()
            wanted = {function_id(t) for t in out[WORKEROUTPUT_ORIGINS].values()}
            out[WORKEROUTPUT_DOCS] = {t: d for t, d in self.test_docs.items() if t in wanted}
            self.config.workeroutput.update(out)  # type: ignore[attr-defined]
            return
        if self.progress is not None:
            self.progress.write(force=True)
        if self.ktap_path:
            self._write_ktap()
        if not self.profile_path:
            return
        try:
            prof = build_profile(self.recorder.observations, self.outcomes.counts(),
                                 recorded_by=self.recorder.origins(), test_docs=self.test_docs)
            self.replaced = write_profile(self.profile_path, prof)
            self.written = len(prof["observations"])
        except (OSError, TypeError, ValueError) as e:
            self.write_error = str(e)
            if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED,
                                      pytest.ExitCode.NO_TESTS_COLLECTED):
                session.exitstatus = pytest.ExitCode.INTERNAL_ERROR

    def _write_ktap(self) -> None:
        """The KTAP file of every test's final outcome (--ktap)."""
        results = [CaseResult(nodeid, status, self.outcomes.reasons.get(nodeid, ""), self.failures.get(nodeid, ()))
                   for nodeid, status in self.outcomes.status.items()]
        header = {"kernel": platform.release(), "suite": "netlink-probe"}
        assert self.ktap_path is not None
        try:
            with open(self.ktap_path, "w", encoding="utf-8") as f:
                f.write(render_ktap(results, header))
        except OSError as e:
            self.ktap_error = str(e)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """The per-area summary, conflicts, lost workers, and where the profile went."""
        if self.is_worker:
            return
        tr = terminalreporter
        areas = self.outcomes.by_area()
        conflicts = self.recorder.conflicts
        if not (areas or conflicts or self.profile_path or self.lost_workers):
            return
        tr.write_sep("=", "netlink-probe")
        for name in sorted(areas):
            a = areas[name]
            tr.write_line(f"area {name}: {a.passed} passed, {a.failed} failed, {a.skipped} skipped")
            for reason, n in sorted(a.reasons.items(), key=lambda kv: (-kv[1], kv[0])):
                tr.write_line(f"    {n} x {reason}")
        if conflicts:
            tr.write_line(
                f"netlink-probe WARNING: {len(conflicts)} observation(s) recorded with different "
                "values (nondeterministic; the last value was kept):",
                yellow=True, bold=True,
            )
            for key in conflicts:
                seen = self.recorder.conflict_values.get(key, [])
                shown = ", ".join(f"{show_value(v)} ({where})" for v, where in seen)
                tr.write_line(f"    {key}: {shown}", yellow=True)
        if self.lost_workers:
            tr.write_line(
                "netlink-probe WARNING: no observations from crashed worker(s) "
                + ", ".join(self.lost_workers),
                yellow=True, bold=True,
            )
        if self.ktap_path:
            if self.ktap_error is not None:
                tr.write_line(f"netlink-probe KTAP: could not write {self.ktap_path}: {self.ktap_error}", red=True)
            else:
                tr.write_line(f"netlink-probe KTAP: {len(self.outcomes.status)} results written to {self.ktap_path}")
        if self.profile_path:
            if self.write_error is not None:
                tr.write_line(
                    f"netlink-probe profile: could not write {self.profile_path}: {self.write_error}",
                    red=True, bold=True,
                )
            elif self.written is not None:
                replaced = " (replacing the file that was there)" if self.replaced else ""
                tr.write_line(f"netlink-probe profile: {self.written} observations written to {self.profile_path}"
                              + replaced)
