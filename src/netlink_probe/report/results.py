"""What a results directory holds, per kernel: profile, JUnit counts and skip reasons.

A kernel matrix run leaves ``<label>.profile.json`` and ``<label>.junit.xml``
per kernel and a ``summary.json``; a directory of profiles alone works too.
Kernels are ordered by release (oldest first), the host where its release falls.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..profile import ProfileError, load_profile

__all__ = ["KernelRun", "load_results", "release_key"]


@dataclass
class KernelRun:
    """One kernel's results."""

    label: str
    release: str
    kind: str = "guest"                       # 'host' or 'guest'
    observations: dict[str, Any] = field(default_factory=dict)
    recorded_by: dict[str, str] = field(default_factory=dict)
    test_docs: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)   # passed, failed, errors, skipped
    skip_reasons: Counter[str] = field(default_factory=Counter)
    wall_s: float | None = None
    status: str = "ran"

    @property
    def name(self) -> str:
        """The column heading: the release, marked when it is the host's."""
        return f"{self.release} (host)" if self.kind == "host" else self.release


def release_key(release: str) -> tuple[int, ...]:
    """Numeric sort key of a kernel release ('5.10.0-46-amd64' < '6.1.0-57-amd64' < '6.12.9')."""
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?(?:-(\d+))?", release)
    return tuple(int(x or 0) for x in m.groups()) if m else (0,)


def _junit(path: Path) -> tuple[dict[str, int], Counter[str]]:
    """Counts and skip reasons of a JUnit file ({} and nothing when it is missing or unreadable)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return {}, Counter()
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    reasons: Counter[str] = Counter()
    for case in root.iter("testcase"):
        skipped = case.find("skipped")
        if case.find("failure") is not None:
            counts["failed"] += 1
        elif case.find("error") is not None:
            counts["errors"] += 1
        elif skipped is not None:
            counts["skipped"] += 1
            reasons[(skipped.get("message") or "").removeprefix("Skipped: ").strip() or "(no reason)"] += 1
        else:
            counts["passed"] += 1
    return counts, reasons


def load_results(directory: Path) -> list[KernelRun]:
    """Every kernel with a profile or JUnit file in *directory*, oldest release first."""
    summary: dict[str, dict[str, Any]] = {}
    try:
        for r in json.loads((directory / "summary.json").read_text())["results"]:
            summary[r["label"]] = r
    except (OSError, ValueError, KeyError, TypeError):
        pass
    labels = {p.name[: -len(".profile.json")] for p in directory.glob("*.profile.json")}
    labels |= {p.name[: -len(".junit.xml")] for p in directory.glob("*.junit.xml")}
    labels |= set(summary)
    runs = []
    for label in labels:
        meta = summary.get(label, {})
        run = KernelRun(label, meta.get("release") or label.removeprefix("host-"),
                        meta.get("kind") or ("host" if label.startswith("host-") else "guest"),
                        wall_s=meta.get("wall_s"), status=meta.get("status", "ran"))
        try:
            prof = load_profile(str(directory / f"{label}.profile.json"))
        except (ProfileError, OSError):
            prof = None
        if prof is not None:
            run.release = prof["kernel"]["release"]
            run.observations = prof["observations"]
            run.recorded_by = prof.get("recorded_by", {})
            run.test_docs = prof.get("test_docs", {})
        run.counts, run.skip_reasons = _junit(directory / f"{label}.junit.xml")
        runs.append(run)
    return sorted(runs, key=lambda r: (release_key(r.release), r.kind != "host"))
