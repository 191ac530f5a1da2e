"""pytest plugin: record what the kernel did, write the observation profile.

Loaded by ``conformance/conftest.py`` with
``pytest_plugins = ["netlink_probe.pytest_plugin"]`` (or ``-p
netlink_probe.pytest_plugin``).  It gives

* the ``--profile PATH`` option: write the profile (docs/profile.md) at the
  end of the run, also when tests failed or none ran;
* the ``observe`` fixture, a callable ``observe(key, value)``, and the
  module-level :func:`record` with the same signature for helper code;
* a per-area summary (one line per test module, with skip reasons) at the
  end of the terminal report.

Under pytest-xdist each worker hands its observations to the controller
through ``config.workeroutput["netlink_probe_observations"]``; the controller
merges them in ``pytest_testnodedown``.  Test counts come from the reports
that reach the controller (or the single process).
"""

from __future__ import annotations

import os
from pathlib import PurePosixPath

import pytest

from netlink_probe import profile as _profile

__all__ = ["record", "Recorder", "current_recorder"]

WORKEROUTPUT_OBSERVATIONS = "netlink_probe_observations"
WORKEROUTPUT_CONFLICTS = "netlink_probe_conflicts"
WORKEROUTPUT_ORIGINS = "netlink_probe_origins"


class Recorder:
    """The observations of one process (or, on the controller, of all)."""

    def __init__(self) -> None:
        self.observations: dict = {}
        #: Keys recorded with different values; the last value is kept.
        self.conflicts: list[str] = []
        #: key -> list of [value, where] for every distinct value seen.
        self.conflict_values: dict[str, list] = {}
        self._origin: dict[str, str] = {}

    def record(self, key: str, value, where: str | None = None) -> None:
        _profile.validate_key(key)
        _profile.validate_value(value)
        value = _profile.normalise_value(value)
        if where is None:
            where = _current_test()
        self._store(key, value, where)

    def _store(self, key: str, value, where: str) -> None:
        if key in self.observations and _profile.values_equal(self.observations[key], value):
            return  # the same again: keep where it was first seen
        if key in self.observations:
            seen = self.conflict_values.get(key)
            if seen is None:
                seen = self.conflict_values[key] = [[self.observations[key], self._origin.get(key, "?")]]
                self.conflicts.append(key)
            if not any(_profile.values_equal(v, value) for v, _ in seen):
                seen.append([value, where])
        self.observations[key] = value
        self._origin[key] = where

    def merge(self, observations: dict, conflicts: dict | None = None,
              origins: dict | None = None, where: str = "?") -> None:
        """Merge another process's observations (and its own conflicts)."""
        origins = origins or {}
        for key, seen in (conflicts or {}).items():
            for value, origin in seen:
                self._store(key, value, origin)
        for key, value in observations.items():
            self._store(key, value, origins.get(key, where))

    def worker_output(self) -> dict:
        """What a worker hands the controller (JSON-serialisable)."""
        return {
            WORKEROUTPUT_OBSERVATIONS: dict(self.observations),
            WORKEROUTPUT_CONFLICTS: {k: [list(x) for x in v] for k, v in self.conflict_values.items()},
            WORKEROUTPUT_ORIGINS: dict(self._origin),
        }


def _current_test() -> str:
    cur = os.environ.get("PYTEST_CURRENT_TEST", "")
    return cur.rsplit(" ", 1)[0] if cur else "?"


_recorder = Recorder()


def current_recorder() -> Recorder:
    """The recorder of this process's current session."""
    return _recorder


def record(key: str, value) -> None:
    """Record an observation: what the kernel did for *key*.

    Raises TypeError/ValueError at once on a bad key or value.  Recording a
    key again with a different value keeps the last value and reports the key
    as a conflict (a nondeterministic observation) at the end of the run.
    """
    _recorder.record(key, value)


@pytest.fixture(scope="session")
def observe():
    """A callable ``observe(key, value)`` that records an observation."""
    return record


# ---------------------------------------------------------------------------
# Hooks
# ---------------------------------------------------------------------------

def pytest_addoption(parser) -> None:
    group = parser.getgroup("netlink-probe")
    group.addoption(
        "--profile",
        dest="netlink_probe_profile",
        metavar="PATH",
        default=None,
        help="write the observation profile (JSON, see docs/profile.md) to PATH, "
        "also when tests fail",
    )


def pytest_configure(config) -> None:
    global _recorder
    _recorder = Recorder()
    if config.pluginmanager.get_plugin("netlink_probe_session") is None:
        config.pluginmanager.register(_Session(config, _recorder), "netlink_probe_session")


def _area(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    stem = PurePosixPath(path).stem or path
    return stem[len("test_"):] if stem.startswith("test_") and len(stem) > 5 else stem


def _skip_reason(report) -> str:
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
    return reason.strip() or "(no reason given)"


class _Session:
    """Per-session state, registered as a plugin object."""

    def __init__(self, config, recorder: Recorder) -> None:
        self.config = config
        self.recorder = recorder
        self.is_worker = hasattr(config, "workerinput")
        path = config.getoption("netlink_probe_profile", None)
        self.profile_path = None
        if path and not self.is_worker:
            self.profile_path = os.path.join(str(config.invocation_params.dir), os.path.expanduser(path))
            directory = os.path.dirname(self.profile_path)
            if not os.path.isdir(directory):
                raise pytest.UsageError(f"--profile {path}: directory {directory} does not exist")
            if os.path.isdir(self.profile_path):
                raise pytest.UsageError(f"--profile {path}: is a directory")
        # nodeid -> "passed" | "failed" | "skipped"
        self.status: dict[str, str] = {}
        # nodeid -> skip reason
        self.reasons: dict[str, str] = {}
        self.lost_workers: list[str] = []
        self.written: int | None = None
        self.write_error: str | None = None

    # -- counting (controller or single process) --------------------------

    def _note(self, nodeid: str, outcome: str, reason: str | None = None) -> None:
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

    def pytest_runtest_logreport(self, report) -> None:
        if self.is_worker:
            return
        if report.failed:
            self._note(report.nodeid, "failed")
        elif report.skipped:
            self._note(report.nodeid, "skipped", _skip_reason(report))
        elif report.passed and report.when == "call":
            self._note(report.nodeid, "passed")

    def pytest_collectreport(self, report) -> None:
        # Only module-level skips and collection errors matter here.
        if self.is_worker or report.passed:
            return
        if report.failed:
            self._note(report.nodeid, "failed")
        elif report.skipped:
            self._note(report.nodeid, "skipped", _skip_reason(report))

    def counts(self) -> dict:
        out = {"passed": 0, "failed": 0, "skipped": 0}
        for st in self.status.values():
            out[st] += 1
        return out

    # -- xdist -------------------------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:
        output = getattr(node, "workeroutput", None) or {}
        name = getattr(getattr(node, "gateway", None), "id", None) or "worker"
        if WORKEROUTPUT_OBSERVATIONS not in output:
            self.lost_workers.append(name)
            return
        self.recorder.merge(
            output.get(WORKEROUTPUT_OBSERVATIONS) or {},
            output.get(WORKEROUTPUT_CONFLICTS) or {},
            output.get(WORKEROUTPUT_ORIGINS) or {},
            where=name,
        )

    # -- the end -----------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus) -> None:
        if self.is_worker:
            self.config.workeroutput.update(self.recorder.worker_output())
            return
        if not self.profile_path:
            return
        try:
            prof = _profile.build_profile(self.recorder.observations, self.counts())
            _profile.write_profile(self.profile_path, prof)
            self.written = len(prof["observations"])
        except (OSError, TypeError, ValueError) as e:
            self.write_error = str(e)
            if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED,
                                      pytest.ExitCode.NO_TESTS_COLLECTED):
                session.exitstatus = pytest.ExitCode.INTERNAL_ERROR

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.is_worker:
            return
        tr = terminalreporter
        areas: dict[str, dict] = {}
        for nodeid, st in self.status.items():
            a = areas.setdefault(_area(nodeid), {"passed": 0, "failed": 0, "skipped": 0, "reasons": {}})
            a[st] += 1
            if st == "skipped":
                reason = self.reasons.get(nodeid, "(no reason given)")
                a["reasons"][reason] = a["reasons"].get(reason, 0) + 1
        conflicts = self.recorder.conflicts
        if not (areas or conflicts or self.profile_path or self.lost_workers):
            return
        tr.write_sep("=", "netlink-probe")
        for name in sorted(areas):
            a = areas[name]
            tr.write_line(f"area {name}: {a['passed']} passed, {a['failed']} failed, {a['skipped']} skipped")
            for reason, n in sorted(a["reasons"].items(), key=lambda kv: (-kv[1], kv[0])):
                tr.write_line(f"    {n} x {reason}")
        if conflicts:
            tr.write_line(
                f"netlink-probe WARNING: {len(conflicts)} observation(s) recorded with different "
                "values (nondeterministic; the last value was kept):",
                yellow=True, bold=True,
            )
            for key in conflicts:
                seen = self.recorder.conflict_values.get(key, [])
                shown = ", ".join(f"{_profile._show(v)} ({where})" for v, where in seen)
                tr.write_line(f"    {key}: {shown}", yellow=True)
        if self.lost_workers:
            tr.write_line(
                "netlink-probe WARNING: no observations from crashed worker(s) "
                + ", ".join(self.lost_workers),
                yellow=True, bold=True,
            )
        if self.profile_path:
            if self.write_error is not None:
                tr.write_line(
                    f"netlink-probe profile: could not write {self.profile_path}: {self.write_error}",
                    red=True, bold=True,
                )
            elif self.written is not None:
                tr.write_line(f"netlink-probe profile: {self.written} observations written to {self.profile_path}")
