"""Machine-readable progress: one line per update with tests done, total, elapsed time and an ETA.

``--progress-lines`` makes the controller (or the single process) write, to
standard error and at most once a second plus once at the end::

    @@netlink-probe-progress {"done": 72, "total": 493, "failed": 0, "elapsed_s": 31.2, "eta_s": 182}

so a driver (the kernel matrix, a CI job) follows a run without scraping
pytest's terminal output.  A failure writes a line at once, naming the test
(``"failed_test": "conformance/test_x.py::test_y"``): a run killed at its
timeout, which never prints pytest's summary, still says what failed.  The ETA is the mean time per finished test times
the tests left: rough on a suite whose slow tests cluster, honest about it
(``null`` until a test has finished).
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from ..progress_line import MARK, format_progress_line, parse_progress_line

__all__ = ["MARK", "ProgressLines", "parse_progress_line"]

class ProgressLines:
    """Counts finished tests and writes progress lines, throttled to *every* seconds."""

    def __init__(self, stream: IO[str] | None = None, every: float = 1.0,
                 clock: Any = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.every, self.clock = every, clock
        self.start = clock()
        self.total: int | None = None
        self.done = 0
        self.failed = 0
        self._finished: set[str] = set()
        self._last = float("-inf")

    def set_total(self, total: int) -> None:
        """The number of tests collected (xdist: one worker's collection; every worker collects all)."""
        if self.total is None:
            self.total = total
            self.write(force=True)

    def finished(self, nodeid: str, failed: bool) -> None:
        """A test's last phase ended (teardown), once per nodeid."""
        if nodeid in self._finished:
            return
        self._finished.add(nodeid)
        self.done += 1
        self.failed += failed
        self.write(force=failed, failed_test=nodeid if failed else None)

    def snapshot(self) -> dict[str, Any]:
        """The current line's values."""
        elapsed = self.clock() - self.start
        eta = None
        if self.total is not None and self.done:
            eta = round(elapsed / self.done * max(self.total - self.done, 0))
        return {"done": self.done, "total": self.total, "failed": self.failed,
                "elapsed_s": round(elapsed, 1), "eta_s": eta}

    def write(self, force: bool = False, failed_test: str | None = None) -> None:
        """One progress line, unless one was written less than *every* seconds ago (and not forced)."""
        now = self.clock()
        if not force and now - self._last < self.every:
            return
        self._last = now
        values = self.snapshot()
        if failed_test is not None:
            values["failed_test"] = failed_test
        self.stream.write(format_progress_line(values) + "\n")
        self.stream.flush()
