"""decode-coverage: how much of what the kernel sends each decoder types, over the rich namespace.

    scripts/decode-coverage [--json] [--source DIR] [--list N]

Counts every attribute of every captured message (`richns.capture`), as compared by
`agreement.compare_message`: total, typed / left raw by netlink_probe, typed / left raw
by YNL (when the linux-source cache has it), agreements and disagreements, and the raw
ones by attribute path.  Needs root (it creates namespaces) and iproute2.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .agreement import Pair, compare_message

__all__ = ["build_parser", "counts", "main", "measure"]


def _where(p: Pair) -> str:
    return f"{p.path[0]}: {'/'.join(p.path[1:])}"


def counts(pairs: Iterable[Pair], allowed: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Totals of *pairs*; raw attributes and disagreements by 'object: PATH'. Names in *allowed* are
    disagreements the YNL allowlist explains (counted apart)."""
    pairs = list(pairs)
    verdicts = Counter(p.verdict for p in pairs)
    np_raw = Counter(_where(p) for p in pairs if p.np_status != "typed")
    ynl_raw = Counter(_where(p) for p in pairs if p.ynl_status != "typed")
    dis = [p for p in pairs if p.verdict == "disagree"]
    return {
        "attributes": len(pairs),
        "netlink_probe": {"typed": len(pairs) - sum(np_raw.values()), "raw": sum(np_raw.values())},
        "ynl": {"typed": len(pairs) - sum(ynl_raw.values()), "raw": sum(ynl_raw.values()),
                "no_spec": sum(1 for p in pairs if p.ynl_status == "nospec")},
        "verdicts": dict(verdicts),
        "disagreements": {"allowlisted": sum(1 for p in dis if p.name in allowed),
                          "unexplained": sum(1 for p in dis if p.name not in allowed)},
        "raw_by_netlink_probe": dict(sorted(np_raw.items())),
        "raw_by_ynl": dict(sorted(ynl_raw.items())),
        "disagreeing": dict(sorted(Counter(_where(p) for p in dis).items())),
    }


def measure(source: Path | None) -> tuple[dict[str, Any], list[str]]:
    """Build the rich namespace, capture, compare with YNL from *source* (None: netlink_probe alone);
    the counts and notes on what could not be had."""
    from ..matrix.linux_source import source_tree
    from .allowlist import load_allowlist
    from .richns import capture
    from .ynl_view import Ynl, YnlUnavailable

    notes: list[str] = []
    ynl = None
    tree = source_tree(source) if source else source_tree()
    if tree is None:
        notes.append("no linux-source cache (scripts/fetch-linux-source): YNL not compared")
    else:
        try:
            ynl = Ynl(tree)
            notes.append(f"YNL from {tree}; specs: {', '.join(ynl.specs())} (neigh/neightbl: "
                         f"{'rt_neigh' if 'rt_neigh' in ynl.specs() else 'no spec'})")
        except YnlUnavailable as e:
            notes.append(str(e))
    cap = capture()
    notes += cap.notes
    pairs = [p for label, raw in cap.messages for p in compare_message(label, raw, ynl)[0]]
    allowed = frozenset().union(*(e.names for e in load_allowlist())) if ynl else frozenset()
    c = counts(pairs, allowed)
    c["messages"] = len(cap.messages)
    return c, notes


def build_parser() -> argparse.ArgumentParser:
    """The ``scripts/decode-coverage`` options."""
    p = argparse.ArgumentParser(prog="decode-coverage",
                                description="Count the attributes netlink_probe and YNL type or leave raw, "
                                            "over a namespace with every kind of rtnetlink object.")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.add_argument("--source", default=None, help="linux-source cache (default: as scripts/fetch-linux-source)")
    p.add_argument("--list", type=int, default=200, metavar="N", help="list at most N raw paths per decoder")
    return p


def _print(c: dict[str, Any], notes: list[str], limit: int) -> None:
    n, y = c["netlink_probe"], c["ynl"]
    tot = c["attributes"] or 1
    print(f"{c['messages']} messages, {c['attributes']} attributes")
    print(f"netlink-probe: {n['typed']} typed, {n['raw']} raw ({100 * n['raw'] / tot:.1f}%)")
    print(f"YNL:           {y['typed']} typed, {y['raw']} raw ({100 * y['raw'] / tot:.1f}%; "
          f"{y['no_spec']} in messages without a spec)")
    print("verdicts:", ", ".join(f"{k} {v}" for k, v in sorted(c["verdicts"].items())))
    print(f"disagreements: {c['disagreements']['unexplained']} unexplained, "
          f"{c['disagreements']['allowlisted']} in docs/ynl-allowlist.md")
    for note in notes:
        print("note:", note)
    for title, key in (("left raw by netlink-probe", "raw_by_netlink_probe"), ("left raw by YNL", "raw_by_ynl"),
                       ("disagreeing", "disagreeing")):
        items = list(c[key].items())
        print(f"\n{title} ({sum(v for _, v in items)} in {len(items)} places):")
        for where, k in items[:limit]:
            print(f"  {k:5d}  {where}")
        if len(items) > limit:
            print(f"  ... {len(items) - limit} more")


def main(argv: list[str] | None = None) -> int:
    """Measure and print; 0 on success, 1 when the namespace cannot be built or this is not root."""
    args = build_parser().parse_args(argv)
    if os.geteuid() != 0:
        print("decode-coverage: needs root (it creates network namespaces)", file=sys.stderr)
        return 1
    from .richns import RichNetnsError
    try:
        c, notes = measure(Path(args.source).resolve() if args.source else None)
    except RichNetnsError as e:
        print(f"decode-coverage: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"counts": c, "notes": notes}, indent=1))
    else:
        _print(c, notes, args.list)
    return 0
