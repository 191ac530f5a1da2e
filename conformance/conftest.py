"""The conformance suite's fixtures and hooks: all of them live in support/plugin.py.

conformance/ goes on sys.path so the tests (and this file) import ``support.*``
the same way under plain pytest and under pytest-xdist workers.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support.plugin import *  # noqa: E402,F401,F403  (fixtures and hooks, listed in support.plugin.__all__)
from support.sampling import add_sampling  # noqa: E402


def pytest_addoption(parser, pluginmanager):
    """--sample-exhaustive (support/sampling.py)."""
    add_sampling(parser, pluginmanager)
