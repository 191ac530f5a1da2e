"""``--sample-exhaustive``: one test per behaviour class of the suite's exhaustive matrices.

Some modules test every cell of a large product (every attribute of every generic netlink
operation x every way to violate its policy: hundreds of cases).  On the host that costs
seconds; in a TCG guest, where each test costs ~20x, it dominates the run.  A module marks
such tests ``@pytest.mark.exhaustive(group=FUNC)``, FUNC mapping a case's parametrize id to
its class (e.g. family + violation kind); with ``--sample-exhaustive`` only the first case of
each class runs and the rest are deselected (counted by pytest as deselected, never as passed).
The kernel matrix passes it to guests; the host always runs everything.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest

__all__ = ["Sampler", "add_sampling"]


def add_sampling(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """--sample-exhaustive, and the plugin object that acts on it (called from conftest's pytest_addoption)."""
    parser.getgroup("netlink-probe").addoption(
        "--sample-exhaustive", action="store_true", default=False,
        help="run one case per behaviour class of tests marked exhaustive (the kernel matrix's guests do)")
    if pluginmanager.get_plugin("netlink-probe-sampling") is None:
        pluginmanager.register(Sampler(), "netlink-probe-sampling")


class Sampler:
    """The marker and the deselection."""

    def pytest_configure(self, config: pytest.Config) -> None:
        """Register the marker."""
        config.addinivalue_line("markers", "exhaustive(group): one test per cell of a large matrix; group(id) "
                                           "names the cell's behaviour class for --sample-exhaustive")

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """Keep the first item of each (test function, class) when --sample-exhaustive is given."""
        _sample(config, items)


def _sample(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the first item of each (test function, class) when --sample-exhaustive is given."""
    if not config.getoption("sample_exhaustive", False):
        return
    seen: set[tuple[str, str]] = set()
    keep, drop = [], []
    for item in items:
        mark = item.get_closest_marker("exhaustive")
        callspec = getattr(item, "callspec", None)
        if mark is None or callspec is None:
            keep.append(item)
            continue
        group: Callable[[str], str] = mark.kwargs.get("group", lambda i: i)
        key = (item.nodeid.split("[", 1)[0], group(callspec.id))
        (drop if key in seen else keep).append(item)
        seen.add(key)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
