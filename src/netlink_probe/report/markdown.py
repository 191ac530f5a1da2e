"""The Markdown report: per-kernel counts and skip reasons, then every changed key by family.

The terminal and pull-request twin of the HTML report: it lists every
changed key (with the test behind it) and summarises the rest; the full
table and the permission grids are in the HTML file.
"""

from __future__ import annotations

from collections.abc import Sequence

from .permgrid import grids
from .results import KernelRun
from .table import build_rows, families, show

__all__ = ["render_markdown"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(runs: Sequence[KernelRun], title: str = "netlink-probe across kernels") -> str:
    """The whole report as Markdown."""
    rows = build_rows(runs)
    changed = [r for r in rows if r.changed]
    out = [f"# {title}", "", "| kernel | passed | failed | errors | skipped | wall (s) |", "|---|---|---|---|---|---|"]
    for r in runs:
        c = r.counts
        wall = f"{r.wall_s:.0f}" if r.wall_s is not None else "-"
        out.append(f"| {_cell(r.name)} | {c.get('passed', '-')} | {c.get('failed', '-')} | {c.get('errors', '-')}"
                   f" | {c.get('skipped', '-')} | {wall} |")
    out += ["", f"{len(rows)} keys; **{len(changed)} changed** between kernels that both recorded them; "
                f"{sum(r.partial and not r.changed for r in rows)} present on some kernels only.", ""]
    out += ["## Changed keys", ""]
    if not changed:
        out.append("None.")
    for fam, fam_rows in families(changed).items():
        out += [f"### {fam} ({len(fam_rows)})", "",
                "| key | " + " | ".join(_cell(r.name) for r in runs) + " | test |",
                "|---|" + "---|" * len(runs) + "---|"]
        for row in fam_rows:
            test = row.test.split("::")[-1] if row.test else ""
            out.append(f"| `{_cell(row.key)}` | " + " | ".join(_cell(show(v)) for v in row.values)
                       + f" | {_cell(test)} |")
        out.append("")
    out += ["## Skip reasons", ""]
    for r in runs:
        if r.skip_reasons:
            out.append(f"**{_cell(r.name)}**")
            out += [f"- {n} × {_cell(reason)}" for reason, n in r.skip_reasons.most_common()]
            out.append("")
    perm = grids(runs)
    if perm:
        out += ["## Permission matrix", "",
                f"{len(perm)} grids (context × kernel) in the HTML report; distinct values per grid:", ""]
        for g in perm:
            values = sorted({v for row in g.cells.values() for v in row.values()})
            out.append(f"- {g.context} on {g.kernel}: {', '.join(values)}")
    return "\n".join(out).rstrip() + "\n"
