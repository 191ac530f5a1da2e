"""What a test needs of this process's privileges, declared, and why a test is skipped without it.

Tests declare requirements with ``@pytest.mark.needs("init_userns", ...)`` (or ``needs(...)`` as
the marks of a ``pytest.param``); support.plugin skips a test whose requirement this process lacks,
naming the missing capability or namespace (netlink_probe.capabilities.Privileges.missing).  The
terms are those of netlink_probe.capabilities, plus ``context:NAME``: what
netlink_probe.privileges.run_as needs to take that privilege context.

Per-protocol requirements live here, in one table: a few protocols check the *initial* namespaces
themselves, whatever netns the socket is in.
"""
from __future__ import annotations

import functools
import os

import pytest

from netlink_probe import constants as C
from netlink_probe import privileges
from netlink_probe.capabilities import Privileges

from .kernel_rules import kernel_cfgs
from .probes import open_protocols, protocol_name

__all__ = ["PROTOCOL_NEEDS", "SESSION_NEEDS", "missing", "needs", "protocol_params", "session_missing",
           "session_refusal", "this_process"]

SESSION_NEEDS = "netns"  # every test runs in namespaces it creates: it must be able to leave them again

# kind of test -> protocol -> requirements, each with the kernel check that makes it one
PROTOCOL_NEEDS: dict[str, dict[int, tuple[str, ...]]] = {
    # kernel/audit.c audit_netlink_ok(): `current_user_ns() != &init_user_ns` -> ECONNREFUSED for every message
    "noop": {C.NETLINK_AUDIT: ("init_userns",)},
    # kernel/audit.c audit_multicast_bind(): capable(CAP_AUDIT_READ), in the initial user namespace
    "groups": {C.NETLINK_AUDIT: ("init_userns:CAP_AUDIT_READ",)},
}


@functools.cache
def this_process() -> Privileges:
    """The privileges this (pytest or xdist worker) process runs with, read once."""
    return Privileges.detect()


def missing(*requirements: str) -> str | None:
    """What this process lacks for *requirements* (joined), or None."""
    terms: list[str] = []
    for r in requirements:
        if r.startswith("context:"):
            terms.extend(privileges.context(r.split(":", 1)[1]).requirements())
        else:
            terms.append(r)
    return this_process().missing_all(terms)


def session_missing() -> str | None:
    """What this process lacks to run any conformance test (SESSION_NEEDS), or None."""
    return missing(SESSION_NEEDS)


def session_refusal() -> str | None:
    """The one line that stops a session lacking SESSION_NEEDS: what is missing and how to run the suite.

    Rootless mode is offered only where this process may create a user namespace.
    """
    lacking = session_missing()
    if lacking is None:
        return None
    userns = this_process().missing("userns")
    rootless = (", or rootless: pytest conformance --rootless" if userns is None
                else f" (rootless mode is unavailable: it needs {userns})")
    return (f"netlink-probe: the conformance suite cannot run as uid {os.getuid()}: it needs {lacking}. "
            f"Run it as root (sudo pytest conformance){rootless}; --allow-all-skipped skips every test instead")


def needs(*requirements: str) -> pytest.MarkDecorator:
    """The marker: the test is skipped, the missing part named, unless this process meets *requirements*."""
    return pytest.mark.needs(*requirements)


def protocol_params(kind: str, *, starting_netns: bool = False) -> list:
    """open_protocols() as parameters (ids: protocol names), each marked with what *kind* of test needs.

    starting_netns: the test talks to the kernel socket of the namespace the run started in, which
    protocols created for init_net only (connector, SELinux, SCSI) have only when that is init_net.
    """
    out = []
    for p in open_protocols():
        reqs = PROTOCOL_NEEDS.get(kind, {}).get(p, ())
        cfg = kernel_cfgs().get(p)
        if starting_netns and cfg is not None and cfg.kernel_socket and not cfg.per_netns:
            reqs = (*reqs, "init_netns")
        out.append(pytest.param(p, id=protocol_name(p), marks=needs(*reqs) if reqs else ()))
    return out
