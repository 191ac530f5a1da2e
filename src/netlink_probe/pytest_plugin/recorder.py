"""The observations one process recorded, and how xdist workers hand theirs over.

Each process (the single pytest process, every xdist worker, the controller)
has one current :class:`Recorder`; :func:`record` writes to it.  A worker puts
:meth:`Recorder.worker_output` into ``config.workeroutput``; the controller
merges it with :meth:`Recorder.merge`.
"""

from __future__ import annotations

import os
from typing import Any

from netlink_probe.profile import normalise_value, validate_key, validate_value, values_equal

__all__ = [
    "Recorder",
    "current_recorder",
    "new_recorder",
    "record",
    "WORKEROUTPUT_OBSERVATIONS",
    "WORKEROUTPUT_CONFLICTS",
    "WORKEROUTPUT_ORIGINS",
    "WORKEROUTPUT_DOCS",
    "function_id",
    "first_doc_line",
]

WORKEROUTPUT_OBSERVATIONS = "netlink_probe_observations"
WORKEROUTPUT_CONFLICTS = "netlink_probe_conflicts"
WORKEROUTPUT_ORIGINS = "netlink_probe_origins"
WORKEROUTPUT_DOCS = "netlink_probe_test_docs"


def first_doc_line(obj: Any) -> str:
    """The first paragraph of a test function's docstring, on one line ('' without one)."""
    doc = getattr(obj, "__doc__", None) or ""
    return " ".join(doc.strip().split("\n\n", 1)[0].split())[:2000]


def function_id(nodeid: str) -> str:
    """'conformance/test_a.py::test_x' of 'conformance/test_a.py::test_x[veth-1]' (one test function)."""
    return nodeid.split("[", 1)[0]


def _current_test() -> str:
    cur = os.environ.get("PYTEST_CURRENT_TEST", "")
    return cur.rsplit(" ", 1)[0] if cur else "?"


class Recorder:
    """The observations of one process (or, on the controller, of all)."""

    def __init__(self) -> None:
        self.observations: dict[str, Any] = {}
        #: Keys recorded with different values; the last value is kept.
        self.conflicts: list[str] = []
        #: key -> list of [value, where] for every distinct value seen.
        self.conflict_values: dict[str, list[list[Any]]] = {}
        self._origin: dict[str, str] = {}

    def record(self, key: str, value: Any, where: str | None = None) -> None:
        """Validate and store an observation; *where* defaults to the running test's id."""
        validate_key(key)
        validate_value(value)
        value = normalise_value(value)
        if where is None:
            where = _current_test()
        self._store(key, value, where)

    def _store(self, key: str, value: Any, where: str) -> None:
        if key in self.observations and values_equal(self.observations[key], value):
            return  # the same again: keep where it was first seen
        if key in self.observations:
            seen = self.conflict_values.get(key)
            if seen is None:
                seen = self.conflict_values[key] = [[self.observations[key], self._origin.get(key, "?")]]
                self.conflicts.append(key)
            if not any(values_equal(v, value) for v, _ in seen):
                seen.append([value, where])
        self.observations[key] = value
        self._origin[key] = where

    def merge(self, observations: dict[str, Any], conflicts: dict[str, list[list[Any]]] | None = None,
              origins: dict[str, str] | None = None, where: str = "?") -> None:
        """Merge another process's observations (and its own conflicts)."""
        origins = origins or {}
        for key, seen in (conflicts or {}).items():
            for value, origin in seen:
                self._store(key, value, origin)
        for key, value in observations.items():
            self._store(key, value, origins.get(key, where))

    def origins(self) -> dict[str, str]:
        """{key: the test that recorded its current value} ('module::function', parameters dropped)."""
        return {k: function_id(v) for k, v in self._origin.items()}

    def worker_output(self) -> dict[str, Any]:
        """What a worker hands the controller (JSON-serialisable)."""
        return {
            WORKEROUTPUT_OBSERVATIONS: dict(self.observations),
            WORKEROUTPUT_CONFLICTS: {k: [list(x) for x in v] for k, v in self.conflict_values.items()},
            WORKEROUTPUT_ORIGINS: dict(self._origin),
        }

    def merge_worker_output(self, output: dict[str, Any], where: str) -> None:
        """Merge what :meth:`worker_output` gave on a worker."""
        self.merge(
            output.get(WORKEROUTPUT_OBSERVATIONS) or {},
            output.get(WORKEROUTPUT_CONFLICTS) or {},
            output.get(WORKEROUTPUT_ORIGINS) or {},
            where=where,
        )


_recorder = Recorder()


def current_recorder() -> Recorder:
    """The recorder of this process's current session."""
    return _recorder


def new_recorder() -> Recorder:
    """Start a fresh recorder for a new session (in-process pytest runs start several)."""
    global _recorder
    _recorder = Recorder()
    return _recorder


def record(key: str, value: Any) -> None:
    """Record an observation: what the kernel did for *key*.

    Raises TypeError/ValueError at once on a bad key or value.  Recording a
    key again with a different value keeps the last value and reports the key
    as a conflict (a nondeterministic observation) at the end of the run.
    """
    _recorder.record(key, value)
