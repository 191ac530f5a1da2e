"""The end of a run: per-kernel 'done' lines, slowdowns, the summary table, summary.json and
the exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import CHECKOUT
from .diffs import DIFF_OK, diff_command
from .junit import read_case_times, slowdown
from .suite import PYTEST_OK, PythonInfo, suite_env

__all__ = ["format_done", "add_slowdowns", "print_summary", "write_summary", "overall_exit", "render_reports"]

Result = dict[str, Any]


def format_done(counts: dict[str, Any] | None, seconds: float) -> str:
    """The line that ends a kernel's run: passed, failed, errors, skipped and its time."""
    if not counts:
        return f"done: no junit report ({seconds:.0f} s)"
    s = f"{counts['passed']} passed, {counts['failed']} failed"
    if counts.get("errors"):
        s += f", {counts['errors']} errors"
    return f"done: {s}, {counts['skipped']} skipped ({seconds:.0f} s)"


def add_slowdowns(results: list[Result], out: Path) -> None:
    """Set "slowdown" on every guest that ran: its test times over the host's."""
    host = next((r for r in results if r["kind"] == "host"), None)
    if not host:
        return
    ht = read_case_times(out / f"{host['label']}.junit.xml")
    if ht is None:
        return
    for r in results:
        if r is host or r.get("status") != "ran":
            continue
        gt = read_case_times(out / f"{r['label']}.junit.xml")
        if gt is not None:
            r["slowdown"] = slowdown(ht, gt)


def print_summary(results: list[Result]) -> None:
    """The table of every kernel's status, counts, wall and boot time and slowdown, on stdout."""
    print("\nkernel                          status        pass  fail   err  skip   wall   boot  slowdown")
    for r in results:
        c = r.get("counts") or {}
        boot = r.get("boot_uptime_s")
        slow = f"{r['slowdown']}x" if r.get("slowdown") else ""
        print(f"{r['label']:<32}{r['status']:<12} {c.get('passed', '-'):>5} {c.get('failed', '-'):>5}"
              f" {c.get('errors', '-'):>5} {c.get('skipped', '-'):>5} {r.get('wall_s', 0):>6.0f}"
              f" {'' if boot is None else f'{boot:.0f}':>6}  {slow}")
    print("(wall, boot: seconds; boot = guest uptime when the suite started; slowdown = summed "
          "durations of the tests both ran, guest / host)")


def write_summary(path: Path, results: list[Result], total_s: float, with_profile: bool) -> None:
    """The same results as JSON at *path* (summary.json), for CI and later comparisons."""
    path.write_text(json.dumps(
        {"total_s": round(total_s, 1), "profile": with_profile, "results": results},
        indent=2) + "\n")


def render_reports(py: PythonInfo, out: Path) -> None:
    """`netlink-probe report OUT`: report.html and report.md across every kernel of the run
    (in the suite's interpreter and environment: the matrix itself needs no cffi binding)."""
    cmd = diff_command(py.executable)[:-1] + ["report", str(out)]
    r = subprocess.run(cmd, cwd=CHECKOUT, env=suite_env(), capture_output=True, text=True)
    sys.stdout.write(r.stdout)
    if r.returncode != 0:
        print(f"kernel-matrix: the report could not be rendered (exit {r.returncode}): {r.stderr.strip()}",
              file=sys.stderr)


def overall_exit(results: list[Result], fail_on_test_failures: bool = False) -> int:
    """0 = every kernel ran; 1 = a kernel did not (or, optionally, tests failed)."""
    for r in results:
        if r.get("status") != "ran":
            return 1
        if r.get("pytest_rc") not in PYTEST_OK:
            return 1
        if r.get("diff_rc") is not None and r["diff_rc"] not in DIFF_OK:
            return 1
        if fail_on_test_failures and r.get("pytest_rc") == 1:
            return 1
    return 0
