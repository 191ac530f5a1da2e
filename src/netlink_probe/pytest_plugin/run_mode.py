"""How a run may go: ``--rootless`` (re-enter as root of a new user namespace) and ``--allow-all-skipped``.

``--rootless`` is acted on in ``pytest_cmdline_main``, before the session starts: the process
re-executes its own command line inside a new user namespace owning a new network namespace
(netlink_probe.rootless), so pytest-xdist workers, started later, inherit both.  Only a pytest
started from a command line can be re-executed; an in-process ``pytest.main()`` gets a usage error.

``--allow-all-skipped`` (or ``NETLINK_PROBE_ALLOW_ALL_SKIPPED=1``) is read by the conformance
suite: without it, missing privileges stop the session at once and a run whose every conformance
test was skipped fails (docs/running.md).
"""

from __future__ import annotations

import os
import sys

import pytest

from netlink_probe.profile import run_context
from netlink_probe.profile.diff import run_text

__all__ = ["ALLOW_ALL_SKIPPED_ENV", "add_options", "all_skipped_allowed", "enter_rootless_if_asked",
           "report_header"]

#: A CI job that knowingly runs where nothing can be tested sets this to 1 (same as --allow-all-skipped).
ALLOW_ALL_SKIPPED_ENV = "NETLINK_PROBE_ALLOW_ALL_SKIPPED"


def add_options(group: pytest.OptionGroup) -> None:
    """The run-mode options, in the plugin's option group."""
    group.addoption(
        "--rootless", dest="netlink_probe_rootless", action="store_true", default=False,
        help="run as root of a new user namespace owning a new network namespace (no sudo needed where "
        "unprivileged user namespaces are allowed); tests that need the initial user namespace skip",
    )
    group.addoption(
        "--allow-all-skipped", dest="netlink_probe_allow_all_skipped", action="store_true", default=False,
        help="let the conformance suite skip every test and exit 0 when privileges are missing (also "
        f"{ALLOW_ALL_SKIPPED_ENV}=1); otherwise that is a failure",
    )


def all_skipped_allowed(config: pytest.Config) -> bool:
    """Whether this run may skip every conformance test (option or environment variable)."""
    env = os.environ.get(ALLOW_ALL_SKIPPED_ENV, "").strip().lower()
    return bool(config.getoption("netlink_probe_allow_all_skipped", False)) or env in ("1", "true", "yes")


def _command_line(config: pytest.Config) -> list[str]:
    """This process's command line to execute again; UsageError when pytest was not started from one."""
    if tuple(sys.argv[1:]) != tuple(config.invocation_params.args):
        raise pytest.UsageError("--rootless needs pytest started from a command line (pytest ... --rootless "
                                "or python3 -m pytest ... --rootless), not pytest.main()")
    return [sys.executable, *sys.orig_argv[1:]]


def enter_rootless_if_asked(config: pytest.Config) -> None:
    """With --rootless, re-execute this pytest in a new user + network namespace (once: not in workers,
    not after the re-exec); UsageError naming why when that cannot be done."""
    from netlink_probe import rootless  # the compiled binding: loaded when a run asks for it

    if not config.getoption("netlink_probe_rootless", False) or rootless.entered() or hasattr(config, "workerinput"):
        return
    argv = _command_line(config)
    try:
        rootless.reexec(argv)
    except rootless.RootlessUnavailable as e:
        raise pytest.UsageError(f"{e}; run it as root instead (sudo)") from None


def report_header(config: pytest.Config) -> list[str]:
    """One header line saying from where the suite looks at the kernel, unless it is the host."""
    from netlink_probe import rootless

    ids = rootless.outside_ids()
    context = run_context()
    text = run_text(context)
    if ids is not None:
        return [f"netlink-probe: rootless run (uid {ids[0]} outside: root of a new user namespace owning its "
                f"network namespace); run context: {text}"]
    if text != "host":
        return [f"netlink-probe: run context: {text} (tests needing the initial namespaces skip, named)"]
    return []
