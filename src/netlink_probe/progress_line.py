"""The machine-readable progress line a test run writes and a driver reads (no dependencies).

    @@netlink-probe-progress {"done": 72, "total": 493, "failed": 0, "elapsed_s": 31.2, "eta_s": 182}

Written by the pytest plugin (``--progress-lines``), read by the kernel matrix;
both import this module so the format lives in one place.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MARK", "format_progress_line", "parse_progress_line"]

MARK = "@@netlink-probe-progress"


def format_progress_line(values: dict[str, Any]) -> str:
    """One progress line (without the newline)."""
    return f"{MARK} {json.dumps(values)}"


def parse_progress_line(line: str) -> dict[str, Any] | None:
    """The JSON of one progress line, or None when *line* is not one (or is damaged)."""
    line = line.strip()
    if not line.startswith(MARK + " "):
        return None
    try:
        value = json.loads(line[len(MARK) + 1:])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
