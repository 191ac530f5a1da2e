"""pytest plugin: record what the kernel did, write the observation profile.

Registered with pytest through the ``pytest11`` entry point of the installed
package; the checkout's root ``conftest.py`` also names it (``pytest_plugins``)
for runs where entry points are off or the package is not installed (a kernel
matrix guest with only ``src/`` on PYTHONPATH).  It gives

* the ``--profile PATH`` option: write the profile (docs/profile.md) at the
  end of the run, also when tests failed or none ran;
* the ``observe`` fixture, a callable ``observe(key, value)``, and the
  module-level :func:`record` with the same signature for helper code;
* a per-area summary (one line per test module, with skip reasons) at the
  end of the terminal report;
* ``--ktap PATH`` (KTAP v1 results for kernel CI) and ``--progress-lines``
  (done/total/ETA as JSON lines on standard error, for drivers such as the
  kernel matrix);  JUnit's suite name carries the kernel release;
* ``--rootless`` (re-enter as root of a new user namespace owning a new
  network namespace) and ``--allow-all-skipped``, with a header line naming
  the run context when it is not the host's (run_mode, docs/running.md).

    recorder   the observations of one process; what xdist workers hand over
    outcomes   passed/failed/skipped per test, and per area for the summary
    session    the per-session plugin object: counting, merging, writing, summary
    ktap       the results as KTAP v1 (--ktap PATH)
    progress   machine-readable progress lines with an ETA (--progress-lines)
    run_mode   --rootless (the re-exec) and --allow-all-skipped

Under pytest-xdist each worker hands its observations to the controller
through ``config.workeroutput``; the controller merges them in
``pytest_testnodedown``.  Test counts come from the reports that reach the
controller (or the single process).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .recorder import Recorder, current_recorder, new_recorder, record
from .run_mode import add_options, enter_rootless_if_asked, report_header
from .session import ProfileSession

__all__ = ["record", "Recorder", "current_recorder", "observe", "pytest_addoption", "pytest_cmdline_main",
           "pytest_configure", "pytest_report_header"]

_SESSION_PLUGIN = "netlink_probe_session"


@pytest.fixture(scope="session")
def observe() -> Callable[[str, object], None]:
    """A callable ``observe(key, value)`` that records an observation."""
    return record


def pytest_addoption(parser: pytest.Parser) -> None:
    """--profile PATH, --rootless, --allow-all-skipped."""
    group = parser.getgroup("netlink-probe")
    group.addoption(
        "--profile",
        dest="netlink_probe_profile",
        metavar="PATH",
        default=None,
        help="write the observation profile (JSON, see docs/profile.md) to PATH, "
        "also when tests fail",
    )
    group.addoption(
        "--ktap",
        dest="netlink_probe_ktap",
        metavar="PATH",
        default=None,
        help="also write the results as KTAP v1 (the kernel's test format, read by KernelCI/LKFT) to PATH",
    )
    group.addoption(
        "--progress-lines",
        dest="netlink_probe_progress",
        action="store_true",
        help="write machine-readable progress lines ('@@netlink-probe-progress {json}' with done/total/ETA) "
        "to standard error",
    )
    add_options(group)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """--rootless: re-execute in a new user + network namespace before the session (and its workers) start."""
    enter_rootless_if_asked(config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """The run context, when the suite does not look from the host's initial namespaces."""
    return report_header(config)


def pytest_configure(config: pytest.Config) -> None:
    """A fresh recorder and the per-session plugin object (once per session)."""
    recorder = new_recorder()
    if config.pluginmanager.get_plugin(_SESSION_PLUGIN) is None:
        config.pluginmanager.register(ProfileSession(config, recorder), _SESSION_PLUGIN)
