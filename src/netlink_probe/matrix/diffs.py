"""`netlink-probe diff HOST GUEST` for each guest that ran: the full report into
<label>.diff.txt, a condensed one on stdout."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import CHECKOUT
from .suite import PythonInfo, suite_env

__all__ = ["DIFF_OK", "diff_command", "condense_diff", "run_diffs"]

DIFF_OK = (0, 1)  # same, differences


def diff_command(python: str) -> list[str]:
    """netlink-probe diff: the console script if installed, else python -m netlink_probe."""
    exe = shutil.which("netlink-probe") or str(Path(python).parent / "netlink-probe")
    if os.access(exe, os.X_OK):
        return [exe, "diff"]
    return [python, "-m", "netlink_probe", "diff"]


def condense_diff(text: str, max_changed: int = 40) -> str:
    """The summary of a `netlink-probe diff` report: its '[area] ...' headers, the first
    max_changed 'changed' lines (behaviour that differs, not only present on one side) and
    the closing count line."""
    lines = text.splitlines()
    out: list[str] = []
    tail: list[str] = []
    changed = 0
    for i, line in enumerate(lines):
        s = line.strip()
        if line.startswith("["):
            out.append(line)
        elif s.startswith("changed "):
            changed += 1
            if changed <= max_changed:
                out.append(line)
        elif i == len(lines) - 1 or re.match(r"^\d+ differences?\b|^no (behavioural )?difference", s):
            tail.append(line)
    if changed > max_changed:
        out.append(f"  ... {changed - max_changed} more changed lines")
    out += tail
    return "\n".join(out) + ("\n" if out else "")


def run_diffs(py: PythonInfo, out: Path, host: dict[str, Any] | None,
              guests: list[dict[str, Any]], full: bool = False) -> None:
    """Diff each guest's profile against the host's; sets each guest's "diff_rc"."""
    if host is None:
        return
    hprof = out / f"{host['label']}.profile.json"
    if not hprof.exists():
        print("no host profile: skipping diffs", flush=True)
        return
    for g in guests:
        gprof = out / f"{g['label']}.profile.json"
        if not gprof.exists():
            continue
        cmd = diff_command(py.executable) + [str(hprof), str(gprof)]
        print(f"\n=== netlink-probe diff {hprof.name} {gprof.name}", flush=True)
        r = subprocess.run(cmd, cwd=CHECKOUT, env=suite_env(), capture_output=True, text=True)
        (out / f"{g['label']}.diff.txt").write_text(r.stdout + r.stderr)
        sys.stdout.write(r.stdout if full else condense_diff(r.stdout))
        if not full and r.stdout.count("\n") > 1:
            print(f"(full report: {out / (g['label'] + '.diff.txt')}; --full-diff prints it)")
        if r.stderr:
            sys.stderr.write(r.stderr)
        g["diff_rc"] = r.returncode
        verdict = {0: "same", 1: "differences"}.get(r.returncode, f"error (exit {r.returncode})")
        print(f"=== {g['label']}: {verdict}", flush=True)
