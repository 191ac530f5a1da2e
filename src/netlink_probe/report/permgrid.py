"""The permission matrix (``perm.<context>.<protocol>.<operation>`` keys) as grids.

One grid per context and kernel: a row per protocol, a column per operation
(group numbers in numeric order, generic netlink groups by name).  A handful
of distinct values ("ok", "EPERM", "ECONNREFUSED", ...) fill thousands of
cells, so each value gets a colour and the pattern shows at a glance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..privileges import CONTEXTS
from .results import KernelRun
from .table import show

__all__ = ["Grid", "grids", "operation_order", "value_classes"]

# The contexts in the order the suite defines them, then any other the profiles name.
_PERM = re.compile(r"perm\.(?P<ctx>[^.]+)\.(?P<proto>NETLINK_[A-Z0-9_]+|[A-Z0-9_]+)\.(?P<op>.+)$")


@dataclass
class Grid:
    """One context on one kernel: cells[protocol][operation] = shown value."""

    context: str
    kernel: str
    protocols: list[str]
    operations: list[str]
    cells: dict[str, dict[str, str]]


def operation_order(op: str) -> tuple[object, ...]:
    """socket, bind.1..32, bind.all, add_membership.1.., named genl groups, sends, the rest."""
    head = op.split(".", 1)[0]
    rank = {"socket": 0, "bind": 1, "add_membership": 2, "send_group": 4, "send_port": 5,
            "send_missing_port": 6, "listen_all_nsid": 7}.get(head, 3 if "." in op else 8)
    num = re.search(r"\.(\d+)$", op)
    return (rank, int(num.group(1)) if num else 10**6, op)


def grids(runs: Sequence[KernelRun]) -> list[Grid]:
    """Every (context, kernel) grid the profiles hold, contexts in the suite's order."""
    out: list[Grid] = []
    found: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    for run in runs:
        for key, value in run.observations.items():
            m = _PERM.match(key)
            if m:
                cell = found.setdefault((m["ctx"], run.name), {}).setdefault(m["proto"], {})
                cell[m["op"]] = show(value)
    contexts = [c for c in CONTEXTS if any(c == k[0] for k in found)]
    contexts += sorted({k[0] for k in found} - set(contexts))
    for ctx in contexts:
        for run in runs:
            cells = found.get((ctx, run.name))
            if cells is None:
                continue
            ops = sorted({op for row in cells.values() for op in row}, key=operation_order)
            out.append(Grid(ctx, run.name, sorted(cells), ops, cells))
    return out


def value_classes(all_grids: Sequence[Grid]) -> dict[str, int]:
    """A colour class per distinct value: 'ok' first, then by how often each appears."""
    counts: dict[str, int] = {}
    for g in all_grids:
        for row in g.cells.values():
            for v in row.values():
                counts[v] = counts.get(v, 0) + 1
    order = sorted(counts, key=lambda v: (v != "ok", -counts[v], v))
    return {v: i for i, v in enumerate(order)}
