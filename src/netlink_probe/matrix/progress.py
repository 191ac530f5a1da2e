"""What the user sees while a kernel runs: '[label] ...' lines, and pytest's progress followed
live from a command's stdout while both streams go to their own log files."""

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

__all__ = ["say", "ProgressCounter", "run_streaming", "BOOT_MARK", "EXIT_MARK"]

#: First and last lines the guest script prints (docs/kernel-matrix.md, Troubleshooting).
BOOT_MARK = "@@kernel-matrix booted"
EXIT_MARK = "@@kernel-matrix pytest-exit"


def say(label: str, msg: str) -> None:
    """One progress line, prefixed with the kernel it is about, flushed at once."""
    print(f"[{label}] {msg}", flush=True)


class ProgressCounter:
    """Follow pytest's -q output as it streams and count finished tests.

    The total comes from '[ 72/493]' progress markers (console_output_style=count, which
    the suite command sets), xdist's 'N workers [M items]' or 'collected M items'; finished
    tests are the result characters on progress lines ('..F.s.  [ 72/493]'), including the
    line still being written. feed() returns True when the count or total changed."""

    RESULT_CHARS = set(".FEsxXp")
    _boot_re = re.compile(rf"^{re.escape(BOOT_MARK)} ([\d.]+)")
    _total_re = re.compile(r"(?:\[(\d+) items?\]|collected (\d+) items?)")
    _progress_re = re.compile(r"^([.FEsxXp]+)\s*(?:\[\s*(?:(\d+)/(\d+)|\d+%)\])?$")
    _partial_re = re.compile(r"^([.FEsxXp]+)(?:\s.*)?$")

    def __init__(self) -> None:
        self.total: int | None = None
        self.done_lines = 0  # results on finished progress lines
        self.partial = ""
        self.booted_at: float | None = None  # guest uptime when the guest script started

    @property
    def done(self) -> int:
        """Tests finished so far, the line still being written included (at most the total)."""
        m = self._partial_re.match(self.partial)
        n = self.done_lines + (len(m.group(1)) if m else 0)
        return min(n, self.total) if self.total else n

    def feed(self, text: str) -> bool:
        """Take the next chunk of output (lines may be split anywhere); True when the count or total changed."""
        before = (self.done, self.total)
        buf = self.partial + text.replace("\r", "\n")
        lines = buf.split("\n")
        self.partial = lines.pop()
        for line in lines:
            self._line(line)
        return (self.done, self.total) != before

    def _line(self, line: str) -> None:
        m = self._boot_re.match(line)
        if m:
            self.booted_at = float(m.group(1))
            return
        m = self._total_re.search(line)
        if m and self.total is None:
            self.total = int(m.group(1) or m.group(2))
            return
        m = self._progress_re.match(line.strip())
        if m:
            if m.group(2):
                self.done_lines = int(m.group(2))
                self.total = int(m.group(3))
            else:
                self.done_lines += len(m.group(1))


class _Announcer:
    """The '[label] booted / running N/M tests' lines, at most every report_every seconds."""

    def __init__(self, label: str, start: float, report_every: float) -> None:
        self.label, self.start, self.every = label, start, report_every
        self.last_report = start
        self.announced_total = False
        self.announced_boot = False
        self.reported_done = -1

    def update(self, counter: ProgressCounter, now: float) -> None:
        if counter.booted_at is not None and not self.announced_boot:
            self.announced_boot = True
            say(self.label, f"booted ({now - self.start:.0f} s; guest uptime {counter.booted_at:.1f} s)")
        due = now - self.last_report >= self.every and counter.done != self.reported_done
        if counter.total is not None and (not self.announced_total or due):
            self.announced_total = True
            self._running(f"{counter.done}/{counter.total}", counter.done, now)
        elif counter.total is None and counter.done and due:
            self._running(f"{counter.done}/?", counter.done, now)

    def _running(self, what: str, done: int, now: float) -> None:
        say(self.label, f"running {what} tests")
        self.last_report, self.reported_done = now, done


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
    """Run cmd with stdout and stderr to separate logs, following pytest's progress on
    stdout. Returns (exit code or None on timeout, counter, wall seconds)."""
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
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
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
                if fd == stdout_fd:
                    counter.feed(decoder.decode(chunk))
            announcer.update(counter, time.monotonic())
        rc = proc.wait()
    return rc, counter, time.monotonic() - start
