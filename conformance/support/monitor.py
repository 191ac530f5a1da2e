"""`netlink-probe monitor` forked from the test process: started, waited for until it listens, read back as JSON."""
from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from .cli_fork import ForkedCli

__all__ = ["Monitor", "start_monitor"]


def start_monitor(*args: str) -> tuple[ForkedCli, str]:
    """`netlink-probe monitor ARGS` and its first stderr line, once that says it listens (else the test fails)."""
    p = ForkedCli(["monitor", *args])
    line = p.stderr_line(90)  # event-driven: only a slow start (a TCG guest under load) waits long
    if not line.startswith("listening on"):
        p.kill()
        _, err = p.communicate(10)
        pytest.fail(f"monitor did not start: {line}{err}")
    return p, line


class Monitor:
    """`netlink-probe monitor ARGS --json`; ready once it says it listens."""

    def __init__(self, *args: str):
        self.p, self.ready_line = start_monitor(*args, "--json")

    def records(self, timeout: float = 20) -> list[dict[str, Any]]:
        try:
            out, err = self.p.communicate(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            _, err = self.p.communicate(10)
            pytest.fail(f"monitor did not stop by itself; stderr: {err}")
        assert self.p.returncode == 0, f"monitor exited {self.p.returncode}: {err.strip()}"
        self.stderr = err
        return [json.loads(line) for line in out.splitlines() if line.strip()]
