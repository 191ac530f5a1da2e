"""The key x kernel table: one row per profile key, a value per kernel, changed rows marked.

A row is *changed* when two kernels that both recorded the key disagree; it is
*partial* when some kernels lack the key (a feature, a test or a family the
other kernels do not have).  Rows are grouped by family (the key's first
part) and carry the test that recorded the key and that test's docstring
(the behaviour and the kernel function behind it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .results import KernelRun

__all__ = ["MISSING", "Row", "build_rows", "show", "families"]

MISSING = object()  # a kernel that has no value for the key


@dataclass(frozen=True)
class Row:
    """One key across kernels."""

    key: str
    values: tuple[Any, ...]   # one per kernel, MISSING where absent
    test: str                 # 'conformance/test_x.py::test_y' ('' when unknown)
    doc: str                  # the test's first docstring paragraph

    @property
    def family(self) -> str:
        """'perm' of 'perm.nobody.NETLINK_ROUTE.bind.1'."""
        return self.key.split(".", 1)[0]

    @property
    def changed(self) -> bool:
        """Two kernels that both have the key disagree."""
        present = [json.dumps(v, sort_keys=True) for v in self.values if v is not MISSING]
        return len(set(present)) > 1

    @property
    def partial(self) -> bool:
        """Some kernels lack the key."""
        return any(v is MISSING for v in self.values)


def show(value: Any) -> str:
    """A value as the report prints it ('-' when missing; strings bare, the rest as JSON)."""
    if value is MISSING:
        return "-"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def build_rows(runs: Sequence[KernelRun]) -> list[Row]:
    """Every key any kernel recorded, sorted, with its value on each kernel."""
    keys = sorted(set().union(*(r.observations for r in runs))) if runs else []
    rows = []
    for key in keys:
        test = next((r.recorded_by[key] for r in runs if key in r.recorded_by), "")
        doc = next((r.test_docs[test] for r in runs if test in r.test_docs), "")
        rows.append(Row(key, tuple(r.observations.get(key, MISSING) for r in runs), test, doc))
    return rows


def families(rows: Sequence[Row]) -> dict[str, list[Row]]:
    """Rows by family, families sorted by name."""
    out: dict[str, list[Row]] = {}
    for row in rows:
        out.setdefault(row.family, []).append(row)
    return dict(sorted(out.items()))
