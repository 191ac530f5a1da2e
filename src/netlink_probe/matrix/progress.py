"""What the user sees while a kernel runs: '[label] ...' lines, and the suite's progress (the pytest
plugin's machine-readable progress lines, with an ETA) followed live while stdout and stderr go to
their own log files."""

from __future__ import annotations

import codecs
import os
import re
import select
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from ..progress_line import parse_progress_line

__all__ = ["say", "ProgressCounter", "run_streaming", "BOOT_MARK", "EXIT_MARK"]

#: First and last lines the guest script prints (docs/kernel-matrix.md, Troubleshooting).
BOOT_MARK = "@@kernel-matrix booted"
EXIT_MARK = "@@kernel-matrix pytest-exit"


def say(label: str, msg: str) -> None:
    """One progress line, prefixed with the kernel it is about, flushed at once."""
    print(f"[{label}] {msg}", flush=True)


class ProgressCounter:
    """Follow a run's output as it streams: the guest's boot mark and the plugin's progress lines.

    Tests done, total and ETA come from the pytest plugin's ``--progress-lines``
    (``@@netlink-probe-progress {json}``, on either stream), not from pytest's
    terminal output.  feed() takes chunks split anywhere and returns True when
    the count or total changed."""

    _boot_re = re.compile(rf"^{re.escape(BOOT_MARK)} ([\d.]+)")

    def __init__(self) -> None:
        self.total: int | None = None
        self.done = 0
        self.failed = 0
        self.eta_s: float | None = None
        self.booted_at: float | None = None  # guest uptime when the guest script started
        self.failed_tests: list[str] = []  # as the plugin names them, in the order they failed
        self._partial: dict[int, str] = {}

    def feed(self, text: str, stream: int = 1) -> bool:
        """Take the next chunk of *stream*'s output; True when the count or total changed."""
        before = (self.done, self.total)
        lines = (self._partial.get(stream, "") + text.replace("\r", "\n")).split("\n")
        self._partial[stream] = lines.pop()
        for line in lines:
            self._line(line)
        return (self.done, self.total) != before

    def _line(self, line: str) -> None:
        m = self._boot_re.match(line)
        if m:
            self.booted_at = float(m.group(1))
            return
        p = parse_progress_line(line)
        if p is None:
            return
        self.done = int(p.get("done") or 0)
        self.failed = int(p.get("failed") or 0)
        self.total = p.get("total") if isinstance(p.get("total"), int) else self.total
        self.eta_s = p.get("eta_s") if isinstance(p.get("eta_s"), (int, float)) else None
        if isinstance(p.get("failed_test"), str):
            self.failed_tests.append(p["failed_test"])


class _Announcer:
    """The '[label] booted / running N/M tests' lines, at most every report_every seconds."""

    def __init__(self, label: str, start: float, report_every: float) -> None:
        self.label, self.start, self.every = label, start, report_every
        self.last_report = start
        self.announced_total = False
        self.announced_boot = False
        self.reported_done = -1
        self.reported_failures = 0

    def update(self, counter: ProgressCounter, now: float) -> None:
        for nodeid in counter.failed_tests[self.reported_failures:]:
            say(self.label, f"FAILED {nodeid}")
        self.reported_failures = len(counter.failed_tests)
        if counter.booted_at is not None and not self.announced_boot:
            self.announced_boot = True
            say(self.label, f"booted ({now - self.start:.0f} s; guest uptime {counter.booted_at:.1f} s)")
        due = now - self.last_report >= self.every and counter.done != self.reported_done
        if counter.total is not None and (not self.announced_total or due):
            self.announced_total = True
            self._running(f"{counter.done}/{counter.total}", counter.done, now, counter)
        elif counter.total is None and counter.done and due:
            self._running(f"{counter.done}/?", counter.done, now, counter)

    def _running(self, what: str, done: int, now: float, counter: ProgressCounter | None = None) -> None:
        eta = ""
        if counter is not None and counter.eta_s is not None and counter.done:
            eta = f", about {_minutes(counter.eta_s)} left"
        failed = f", {counter.failed} failed" if counter is not None and counter.failed else ""
        say(self.label, f"running {what} tests{failed}{eta}")
        self.last_report, self.reported_done = now, done


def _minutes(seconds: float) -> str:
    """'45 s' or '3 min'."""
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the command's process group, SIGKILL if it lingers."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def run_streaming(cmd: list[str], label: str, stdout_log: Path, stderr_log: Path,
                  timeout: float | None, env: Mapping[str, str] | None = None,
                  cwd: Path | None = None,
                  report_every: float = 15.0) -> tuple[int | None, ProgressCounter, float]:
    """Run cmd with stdout and stderr to separate logs, following the boot mark and the plugin's
    progress lines on both. Returns (exit code or None on timeout, counter, wall seconds)."""
    counter = ProgressCounter()
    start = time.monotonic()
    announcer = _Announcer(label, start, report_every)
    with open(stdout_log, "wb") as out, open(stderr_log, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                start_new_session=True)
        assert proc.stdout is not None and proc.stderr is not None
        stdout_fd = proc.stdout.fileno()
        streams = {stdout_fd: out, proc.stderr.fileno(): err}
        decoders = {fd: codecs.getincrementaldecoder("utf-8")("replace") for fd in streams}
        while streams:
            remaining = None if timeout is None else timeout - (time.monotonic() - start)
            if remaining is not None and remaining <= 0:
                _stop(proc)
                return None, counter, time.monotonic() - start
            ready, _, _ = select.select(list(streams), [], [],
                                        1.0 if remaining is None else min(1.0, remaining))
            for fd in ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    streams.pop(fd)
                    continue
                streams[fd].write(chunk)
                streams[fd].flush()
                counter.feed(decoders[fd].decode(chunk), fd)
            announcer.update(counter, time.monotonic())
        rc = proc.wait()
    return rc, counter, time.monotonic() - start
