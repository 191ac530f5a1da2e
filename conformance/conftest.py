"""Fixtures of the conformance suite.

Every test gets its own network namespace (held by an fd, so it vanishes
even when the run is killed); a session guard fails the run if the host's
initial namespace changed; observations feed the profile plugin.
"""
from __future__ import annotations

import os
import sys

import pytest

from netlink_probe import NetNS, rtnl
from netlink_probe import constants as C
from netlink_probe import privileges

sys.path.insert(0, os.path.dirname(__file__))
from helpers import is_root, try_link_kind  # noqa: E402
from host_guard import snapshot_host  # noqa: E402
from oracle import decode_oracle_session  # noqa: E402,F401  (decode oracle check per xdist worker)



def pytest_collection_modifyitems(config, items):
    if not is_root():
        skip = pytest.mark.skip(reason="the conformance suite needs root (CAP_SYS_ADMIN for namespaces): "
                                       "run it with sudo")
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def host_guard():
    """Fail the run if the initial namespace's links, addresses, routes, rules or neighbours changed."""
    if not is_root():
        yield
        return
    before = snapshot_host()
    yield
    after = snapshot_host()
    changed = {k: (before[k] ^ after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"the host (initial) network namespace changed during the run: {changed}"


@pytest.fixture
def netns():
    """A fresh network namespace with lo up; gone after the test."""
    ns = NetNS.create()
    try:
        rtnl.loopback_up(ns)
        yield ns
    finally:
        ns.close()


@pytest.fixture
def netns_pair():
    """Two fresh namespaces (lo up in both)."""
    a, b = NetNS.create(), NetNS.create()
    try:
        rtnl.loopback_up(a)
        rtnl.loopback_up(b)
        yield a, b
    finally:
        a.close()
        b.close()


@pytest.fixture
def rt(netns):
    """An rtnetlink socket (EXT_ACK on) inside the test's namespace."""
    with rtnl.Rtnl(netns) as r:
        yield r


@pytest.fixture
def run_as():
    """privileges.run_as: run a callable in a child with an exact privilege context."""
    return privileges.run_as


_KIND_CACHE: dict[str, tuple[str, str | None]] = {}


def link_kind(kind: str) -> tuple[str, str | None]:
    """('ok', None) when this kernel can create *kind*, else (errno name, extack) — probed once per process."""
    if kind not in _KIND_CACHE:
        _KIND_CACHE[kind] = try_link_kind(kind)
    return _KIND_CACHE[kind]


@pytest.fixture
def require_kind():
    """require_kind('vxlan'): skip, naming the kernel's answer, when the link kind cannot be created."""
    def need(kind: str) -> None:
        result, ext = link_kind(kind)
        if result != "ok":
            pytest.skip(f"link kind {kind!r} unavailable: RTM_NEWLINK in a fresh netns answered {result}"
                        + (f" ({ext!r})" if ext else ""))
    return need


__all__ = ["C", "link_kind"]
