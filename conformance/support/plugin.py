"""Every fixture and hook of the conformance suite (conformance/conftest.py imports them all).

Every test gets its own network namespace (held by an fd, so it vanishes even
when the run is killed); a session guard fails the run if the host's initial
namespace changed; the decode oracle taps every kernel transport of the
session and checks what it collected at the end (in each xdist worker).

What may run is decided by capability, not by uid (support.requirements): without a
network namespace to create and leave again the session stops before collecting, with
one line naming the missing capability and how to run the suite (exit status 4; with
--allow-all-skipped every test is skipped instead, the reason named); a test marked
``needs(...)`` or taking a privilege context run_as cannot take is skipped the same way.
A run in which every conformance test was skipped fails (support.run_status).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from netlink_probe import NetNS, privileges, rtnl
from netlink_probe.pytest_plugin.run_mode import all_skipped_allowed

from .decode_oracle import DecodeOracle, decode_oracle, tap_kernel_transports
from .expect import BRANCHES
from .host_snapshot import snapshot_host
from .link_kinds import skip_without_kind
from .reach import ReachPlugin
from .requirements import missing, session_missing, session_refusal
from .run_status import SUITE, RunStatus
from .routes import Net, make_net

__all__ = ["decode_oracle_session", "expectation_branches", "host_guard", "net", "netns", "netns_pair",
           "pytest_collection_modifyitems", "pytest_configure", "pytest_runtest_setup", "quiet_net", "require_kind",
           "rt", "run_as"]


_RUN_STATUS = "netlink_probe_conformance_status"


def pytest_configure(config: pytest.Config) -> None:
    """The ``needs`` marker; stop at once (exit 4, one line) when no test could run, unless all skips are
    allowed; count the outcomes for the all-skipped verdict (controller or single process)."""
    config.addinivalue_line("markers", "needs(*requirements): skip unless this process has them, naming what is "
                                       "missing (support.requirements)")
    refusal = session_refusal()
    if refusal and not all_skipped_allowed(config):
        raise pytest.UsageError(refusal)
    if not hasattr(config, "workerinput") and config.pluginmanager.get_plugin(_RUN_STATUS) is None:
        config.pluginmanager.register(RunStatus(config), _RUN_STATUS)
    if config.pluginmanager.get_plugin("netlink_probe_reach") is None:  # what no test sent (support.reach)
        config.pluginmanager.register(ReachPlugin(config), "netlink_probe_reach")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --allow-all-skipped and no way to run a test: skip every conformance test, the reason named."""
    refusal = session_refusal()
    if refusal:
        skip = pytest.mark.skip(reason=refusal)
        for item in items:
            if item.path.is_relative_to(SUITE):
                item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a test whose ``needs`` markers ask for what this process lacks, before its fixtures run."""
    if session_missing():
        return  # the session's skip marker names the reason
    requirements = [r for mark in item.iter_markers("needs") for r in mark.args]
    lacking = missing(*requirements) if requirements else None
    if lacking:
        pytest.skip(f"needs {lacking}")


@pytest.fixture(scope="session", autouse=True)
def host_guard() -> Iterator[None]:
    """Fail the run if the starting namespace's links, addresses, routes, rules or neighbours changed."""
    if session_missing():  # no test runs (and the starting netns cannot be re-entered to look)
        yield
        return
    before = snapshot_host()
    yield
    after = snapshot_host()
    changed = {k: (before[k] ^ after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"the host (initial) network namespace changed during the run: {changed}"


@pytest.fixture(autouse=True)
def expectation_branches(record_property: Callable[[str, object], None]) -> Iterator[None]:
    """The rule each `expect()` of the test followed on this kernel, as JUnit properties ``expect.<key>``."""
    BRANCHES.clear()
    yield
    for key, branch in BRANCHES:
        record_property(f"expect.{key}", branch)
    BRANCHES.clear()


@pytest.fixture(scope="session", autouse=True)
def decode_oracle_session() -> Iterator[DecodeOracle]:
    """Tap every kernel transport of the session; at its end (per xdist worker) every collected message
    must decode the same with netlink_probe and pyroute2."""
    mp = pytest.MonkeyPatch()
    tap_kernel_transports(mp, decode_oracle.tap)
    try:
        yield decode_oracle
    finally:
        mp.undo()
    decode_oracle.check_collected()


@pytest.fixture
def netns() -> Iterator[NetNS]:
    """A fresh network namespace with lo up; gone after the test."""
    ns = NetNS.create()
    try:
        rtnl.loopback_up(ns)
        yield ns
    finally:
        ns.close()


@pytest.fixture
def netns_pair() -> Iterator[tuple[NetNS, NetNS]]:
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
def rt(netns: NetNS) -> Iterator[rtnl.Rtnl]:
    """An rtnetlink socket (EXT_ACK on) inside the test's namespace."""
    with rtnl.Rtnl(netns) as r:
        yield r


@pytest.fixture
def net(netns: NetNS, rt: rtnl.Rtnl) -> Net:
    """A fresh namespace with an up veth pair carrying 10.1.0.1/24 and fd00::1/64."""
    return make_net(netns, rt)


@pytest.fixture
def quiet_net(netns: NetNS, rt: rtnl.Rtnl) -> Net:
    """A veth pair left down and without addresses: no ARP/ND/MLD traffic, so no neighbour of its own."""
    return make_net(netns, rt, up=False, addresses=False)


@pytest.fixture
def run_as() -> Callable[..., Any]:
    """privileges.run_as: run a callable in a child with an exact privilege context; a context this
    process cannot take (PrivilegeUnavailable) skips the test, naming what is missing."""
    def run(ctx: privileges.Context | str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return privileges.run_as(ctx, fn, *args, **kwargs)
        except privileges.PrivilegeUnavailable as e:
            pytest.skip(str(e))
    return run


@pytest.fixture
def require_kind() -> Callable[[str], None]:
    """require_kind('vxlan'): skip, naming the kernel's answer, when the link kind cannot be created."""
    return skip_without_kind
