"""pytest's JUnit reports: test counts, per-test times, and the guest/host slowdown."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

__all__ = ["junit_counts", "junit_case_times", "read_counts", "read_case_times", "slowdown"]


def junit_counts(xml_text: str) -> dict[str, Any]:
    """{'tests','passed','failed','errors','skipped','time'} summed over <testsuite>s."""
    root = ET.fromstring(xml_text)
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    c: dict[str, Any] = {"tests": 0, "failed": 0, "errors": 0, "skipped": 0, "time": 0.0,
                         "case_time": 0.0}
    for s in suites:
        c["tests"] += int(s.get("tests", 0))
        c["failed"] += int(s.get("failures", 0))
        c["errors"] += int(s.get("errors", 0))
        c["skipped"] += int(s.get("skipped", 0))
        c["time"] += float(s.get("time", 0.0))
        for case in s.iter("testcase"):
            try:
                c["case_time"] += float(case.get("time", 0.0))
            except ValueError:
                pass
    c["passed"] = max(0, c["tests"] - c["failed"] - c["errors"] - c["skipped"])
    c["time"] = round(c["time"], 3)
    c["case_time"] = round(c["case_time"], 3)
    return c


def junit_case_times(xml_text: str) -> dict[str, float]:
    """{'classname::name': seconds} of every <testcase> (a test's setup+call+teardown)."""
    out: dict[str, float] = {}
    for case in ET.fromstring(xml_text).iter("testcase"):
        key = f"{case.get('classname', '')}::{case.get('name', '')}"
        try:
            out[key] = out.get(key, 0.0) + float(case.get("time", 0.0))
        except ValueError:
            pass
    return out


def read_counts(junit: Path) -> dict[str, Any] | None:
    """junit_counts of a report file; None when it is missing or unreadable."""
    try:
        return junit_counts(junit.read_text())
    except (OSError, ET.ParseError, ValueError):
        return None


def read_case_times(junit: Path) -> dict[str, float] | None:
    """junit_case_times of a report file; None when it is missing or unreadable."""
    try:
        return junit_case_times(junit.read_text())
    except (OSError, ET.ParseError):
        return None


def slowdown(host_times: dict[str, float], guest_times: dict[str, float]) -> float | None:
    """Summed duration of the tests both runs have, guest over host."""
    common = host_times.keys() & guest_times.keys()
    h = sum(host_times[k] for k in common)
    g = sum(guest_times[k] for k in common)
    return round(g / h, 1) if h > 0 else None
