"""One report across kernels: every profile key with one column per kernel, test counts and skip
reasons per kernel, and the permission matrix as a colour grid — as self-contained HTML and as a
Markdown twin for terminals and pull requests.

    results    what a results directory holds (summary.json, profiles, JUnit files), per kernel
    table      the key x kernel table: changed rows, families, the test behind each key
    permgrid   the perm.* keys as grids (protocol x operation) per context and kernel
    markdown   the Markdown report
    html       the HTML report (no external resources)

The kernel matrix writes both at the end of a run (``report.html``, ``report.md``);
``netlink-probe report DIR`` renders them from any results directory.
"""

from __future__ import annotations

from .html import render_html
from .markdown import render_markdown
from .results import KernelRun, load_results

__all__ = ["KernelRun", "load_results", "render_html", "render_markdown"]
