"""`netlink-probe monitor` as a subprocess: started, waited for until it listens, and read back as JSON."""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from typing import Any

import pytest

import netlink_probe

__all__ = ["Monitor"]

REPO = os.path.dirname(os.path.dirname(os.path.abspath(netlink_probe.__file__)))


class Monitor:
    """`python3 -m netlink_probe monitor ARGS --json` in a subprocess; ready once it says it listens."""

    def __init__(self, *args: str):
        env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.p = subprocess.Popen([sys.executable, "-m", "netlink_probe", "monitor", *args, "--json"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.monotonic() + 90  # event-driven: only a slow start (a TCG guest under load) waits long
        fd, raw = self.p.stderr.fileno(), b""
        while time.monotonic() < deadline and not raw.endswith(b"\n"):
            r, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                break
            ch = os.read(fd, 1)  # the fd, not the text wrapper: nothing may sit unseen in a buffer
            if not ch:
                break
            raw += ch
        line = raw.decode(errors="replace")
        self.ready_line = line
        if not line.startswith("listening on"):
            self.p.kill()
            out, err = self.p.communicate()
            pytest.fail(f"monitor did not start: {line}{err}")

    def records(self, timeout: float = 20) -> list[dict[str, Any]]:
        try:
            out, err = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            out, err = self.p.communicate()
            pytest.fail(f"monitor did not stop by itself; stderr: {err}")
        assert self.p.returncode == 0, f"monitor exited {self.p.returncode}: {err.strip()}"
        self.stderr = err
        return [json.loads(line) for line in out.splitlines() if line.strip()]
