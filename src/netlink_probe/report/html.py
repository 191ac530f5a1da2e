"""The HTML report: one self-contained page (inline CSS, no scripts, no external resources).

Sections: per-kernel counts with skip reasons; changed keys by family (highlighted rows,
each linked to its test and the kernel function in the test's docstring); every key by
family (collapsed, changed families open); the permission matrix as colour grids.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .permgrid import Grid, grids, value_classes
from .results import KernelRun
from .table import Row, build_rows, families, show

__all__ = ["render_html"]

# Colour-blind-safe-ish palette (Okabe-Ito); class 0 is 'ok'.
_COLOURS = ["#009E73", "#D55E00", "#E69F00", "#0072B2", "#CC79A7", "#56B4E9", "#F0E442", "#999999"]
_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;
vertical-align:top}th{background:#f3f3f3}tr.changed td{background:#fff3cd}tr.partial td.missing{color:#999}
code{font-size:12px}td.doc{font-size:12px;color:#555;max-width:40em}
table.grid td{width:9px;height:12px;padding:0;border:1px solid #fff}table.grid th{font-size:11px;font-weight:normal}
.grids{display:flex;flex-wrap:wrap;gap:1.5em}.legend span{display:inline-block;padding:1px 6px;margin-right:4px;color:#fff}
details{margin:.3em 0}summary{cursor:pointer}
"""


def _kernels(runs: Sequence[KernelRun]) -> str:
    head = "<tr><th>kernel</th><th>passed</th><th>failed</th><th>errors</th><th>skipped</th><th>wall (s)</th></tr>"
    body = []
    for r in runs:
        c = r.counts
        wall = f"{r.wall_s:.0f}" if r.wall_s is not None else "-"
        reasons = "".join(f"<li>{n} × {escape(reason)}</li>" for reason, n in r.skip_reasons.most_common())
        skipped = str(c.get("skipped", "-"))
        if reasons:
            skipped = f"<details><summary>{skipped}</summary><ul>{reasons}</ul></details>"
        body.append(f"<tr><td>{escape(r.name)}</td><td>{c.get('passed', '-')}</td><td>{c.get('failed', '-')}</td>"
                    f"<td>{c.get('errors', '-')}</td><td>{skipped}</td><td>{wall}</td></tr>")
    return f'<table id="kernels">{head}{"".join(body)}</table>'


def _row(row: Row) -> str:
    cls = "changed" if row.changed else ("partial" if row.partial else "")
    cells = "".join(f'<td class="missing">-</td>' if show(v) == "-" else f"<td>{escape(show(v))}</td>"
                    for v in row.values)
    test = escape(row.test.split("::")[-1]) if row.test else ""
    title = escape(row.test)
    return (f'<tr class="{cls}" id="k-{escape(row.key)}"><td><code>{escape(row.key)}</code></td>{cells}'
            f'<td><span title="{title}">{test}</span></td><td class="doc">{escape(row.doc)}</td></tr>')


def _table(rows: Sequence[Row], runs: Sequence[KernelRun], table_id: str) -> str:
    head = "".join(f"<th>{escape(r.name)}</th>" for r in runs)
    return (f'<table id="{table_id}"><tr><th>key</th>{head}<th>recorded by</th><th>behaviour (kernel function)</th></tr>'
            + "".join(_row(r) for r in rows) + "</table>")


def _grid(g: Grid, classes: dict[str, int]) -> str:
    cols = "".join(f'<th title="{escape(op)}"></th>' for op in g.operations)
    body = []
    for proto in g.protocols:
        row = g.cells[proto]
        tds = "".join(
            f'<td class="c{classes[row[op]] % len(_COLOURS)}" title="{escape(proto)} {escape(op)}: {escape(row[op])}"></td>'
            if op in row else "<td></td>" for op in g.operations)
        body.append(f"<tr><th>{escape(proto.removeprefix('NETLINK_'))}</th>{tds}</tr>")
    return (f'<div class="permgrid" data-context="{escape(g.context)}" data-kernel="{escape(g.kernel)}">'
            f"<b>{escape(g.kernel)}</b><table class=\"grid\"><tr><th></th>{cols}</tr>{''.join(body)}</table></div>")


def render_html(runs: Sequence[KernelRun], title: str = "netlink-probe across kernels") -> str:
    """The whole report as one HTML document."""
    rows = build_rows(runs)
    changed = [r for r in rows if r.changed]
    parts = [f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"]
    perm = grids(runs)
    classes = value_classes(perm)
    css = _CSS + "".join(f".c{i}{{background:{c}}}" for i, c in enumerate(_COLOURS))
    parts.append(f"<style>{css}</style></head><body><h1>{escape(title)}</h1>")
    parts.append(f"<h2>Kernels</h2>{_kernels(runs)}")
    parts.append(f"<p>{len(rows)} keys; <b>{len(changed)} changed</b> between kernels that both recorded them; "
                 f"{sum(r.partial and not r.changed for r in rows)} present on some kernels only.</p>")
    parts.append('<h2 id="changed">Changed keys</h2>')
    for fam, fam_rows in families(changed).items():
        parts.append(f'<h3>{escape(fam)} ({len(fam_rows)})</h3>{_table(fam_rows, runs, "changed-" + fam)}')
    parts.append("<h2>Every key, by family</h2>")
    changed_fams = {r.family for r in changed}
    for fam, fam_rows in families(rows).items():
        n = sum(r.changed for r in fam_rows)
        parts.append(f"<details{' open' if fam in changed_fams and len(fam_rows) <= 200 else ''}>"
                     f"<summary>{escape(fam)}: {len(fam_rows)} keys, {n} changed</summary>"
                     f"{_table(fam_rows, runs, 'all-' + fam)}</details>")
    if perm:
        legend = "".join(f'<span class="c{i % len(_COLOURS)}">{escape(v)}</span>' for v, i in classes.items())
        parts.append(f'<h2 id="permissions">Permission matrix</h2><p class="legend">{legend}</p>'
                     "<p>Rows: protocols; columns: socket, bind to group 1..32, all groups, "
                     "NETLINK_ADD_MEMBERSHIP of each group, sends, NETLINK_LISTEN_ALL_NSID (hover a cell).</p>")
        for ctx in dict.fromkeys(g.context for g in perm):
            parts.append(f"<h3>{escape(ctx)}</h3><div class=\"grids\">"
                         + "".join(_grid(g, classes) for g in perm if g.context == ctx) + "</div>")
    parts.append("</body></html>\n")
    return "".join(parts)
