"""``netlink-probe report DIR [--html FILE] [--md FILE]``: one report across the kernels of a results
directory (a kernel matrix's ``results/``, or any directory of ``*.profile.json`` / ``*.junit.xml``).

Writes ``DIR/report.html`` and ``DIR/report.md`` unless told otherwise; ``--md -``
prints the Markdown.  Exit status 0, or 2 when DIR holds no results.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._common import Subparsers
from .errors import EXIT_OK, CliError, command


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Register ``report`` and its arguments."""
    p = subparsers.add_parser(
        "report", help="render one HTML/Markdown report across the kernels of a results directory",
        description="Render every profile key with one column per kernel (changed rows highlighted), "
                    "per-kernel test counts and skip reasons, and the permission matrix as colour grids.")
    p.add_argument("directory", metavar="DIR", help="results directory (profiles and JUnit files)")
    p.add_argument("--html", metavar="FILE", help="HTML output (default DIR/report.html)")
    p.add_argument("--md", metavar="FILE", help="Markdown output (default DIR/report.md; - for stdout)")
    p.set_defaults(func=run)
    return p


@command("report")
def run(args: argparse.Namespace) -> int:
    """Load the directory's results and write both renderings."""
    from ..report import load_results, render_html, render_markdown

    directory = Path(args.directory)
    if not directory.is_dir():
        raise CliError(f"{args.directory}: not a directory")
    runs = load_results(directory)
    if not runs:
        raise CliError(f"{args.directory}: no *.profile.json or *.junit.xml files")
    html_path = Path(args.html) if args.html else directory / "report.html"
    md = render_markdown(runs)
    try:
        html_path.write_text(render_html(runs), encoding="utf-8")
        if args.md == "-":
            sys.stdout.write(md)
        else:
            (Path(args.md) if args.md else directory / "report.md").write_text(md, encoding="utf-8")
    except OSError as e:
        raise CliError(f"cannot write the report: {e.strerror or e}") from None
    if args.md != "-":
        print(f"report: {html_path} and {args.md or directory / 'report.md'} ({len(runs)} kernels)")
    return EXIT_OK


__all__ = ["add_parser", "run"]
