"""Privilege detection by capability (netlink_probe.capabilities), checked against what the kernel then does:
nsfs ownership (ns_get_owner), setns() back into a namespace, and run_as refusing what it cannot take.

Each child plays one of the environments the suite meets: root of a user namespace that kept the
netns (`unshare -r`), root of one that owns its netns (`unshare -rn`), and uid 65534.
"""
from __future__ import annotations

import errno
import os

import pytest
from support.outcome import outcome
from support.requirements import needs

from netlink_probe import NetNS, privileges
from netlink_probe.netns import NamespaceError
from netlink_probe.capabilities import Privileges, netns_owner


def _detect_then_try_a_netns() -> tuple[Privileges, str]:
    """This child's detected privileges, and what creating and leaving a fresh netns really did."""
    priv = Privileges.detect()

    def create_and_leave() -> None:
        NetNS.create().close()
    return priv, outcome(create_and_leave)


@needs("context:userns_root_init_netns")
def test_root_of_a_user_namespace_cannot_return_to_a_netns_it_does_not_own(netns):
    """ns_get_owner (NS_GET_USERNS) answers EPERM for a netns owned outside the caller's user namespace;
    setns() back into it needs CAP_SYS_ADMIN over that owner (netns_install), which root of a new user
    namespace lacks: detection predicts the EPERM of `unshare -r`."""
    priv, created = privileges.run_as("userns_root_init_netns", _detect_then_try_a_netns, netns=netns)
    assert (priv.netns_owner, priv.in_initial_userns, priv.can_create_netns, priv.can_return_from_netns) == \
        ("outside", False, True, False)
    assert "CAP_SYS_ADMIN over the user namespace that owns this network namespace" in priv.missing("netns")
    assert created == "EPERM"


@needs("context:userns_root_own_netns")
def test_root_of_a_user_namespace_returns_to_the_netns_it_owns(netns):
    """create_user_ns + copy_net_ns (`unshare -rn`): NS_GET_USERNS of the netns is the caller's own user
    namespace, so CAP_SYS_ADMIN in CapEff covers unshare(CLONE_NEWNET) and setns() back; capable() and
    uid 65534 stay out of reach (uid_map maps 0 only, setgroups denied)."""
    priv, created = privileges.run_as("userns_root_own_netns", _detect_then_try_a_netns, netns=netns)
    assert (priv.netns_owner, priv.in_initial_userns, priv.in_initial_netns, priv.can_return_from_netns) == \
        ("own", False, False, True)
    assert priv.missing("netns") is None and created == "ok"
    assert "uid_map 0 65534 1" in priv.missing("init_userns")
    assert "uid 65534 mapped" in priv.missing("nobody") and "'deny'" in priv.missing("nobody")


@needs("context:nobody")
def test_nobody_cannot_create_a_netns(netns):
    """unshare(CLONE_NEWNET) -> copy_net_ns needs ns_capable(current_user_ns(), CAP_SYS_ADMIN): uid 65534
    without capabilities gets EPERM, as detection names."""
    priv, created = privileges.run_as("nobody", _detect_then_try_a_netns, netns=netns)
    assert (priv.capeff, priv.in_initial_userns, priv.can_create_netns) == (0, True, False)
    assert priv.missing("netns").startswith("CAP_SYS_ADMIN (unshare(CLONE_NEWNET)")
    assert created == "EPERM"


@needs("context:userns_root_own_netns")
def test_a_netns_owned_by_a_child_user_namespace_is_within_reach_and_not_init_net():
    """ns_get_owner walks from the netns's owner up to the caller's user namespace: for a netns owned by a
    user namespace below ours NS_GET_USERNS succeeds with a different inode ('descendant')."""
    with privileges.UserNetNS.create() as pair:
        owner = netns_owner(pair.net.path, "/proc/self/ns/user")
    assert owner == "descendant"


@needs("context:userns_root_own_netns")
def test_run_as_names_what_root_of_a_user_namespace_lacks_instead_of_failing_in_setgroups():
    """setgroups() in a user namespace whose /proc/self/setgroups is 'deny' fails EPERM, and setresuid(65534)
    with 65534 unmapped EINVAL: run_as detects both before forking and raises PrivilegeUnavailable."""
    def nested() -> int:
        return privileges.run_as("nobody", os.getuid)

    with pytest.raises(privileges.PrivilegeUnavailable) as e:
        privileges.run_as("userns_root_own_netns", nested)
    assert "uid 65534 mapped" in str(e.value) and "setgroups() allowed" in str(e.value)


def _try_a_netns_then_where() -> tuple[str, bool]:
    """What NetNS.create() raised, and whether this thread is still in the namespace it started in."""
    before = os.readlink("/proc/thread-self/ns/net")
    try:
        NetNS.create().close()
        raised = "nothing"
    except NamespaceError as e:
        raised = f"NamespaceError {e.errno}"
    return raised, os.readlink("/proc/thread-self/ns/net") == before


@needs("context:userns_root_init_netns")
def test_a_thread_that_could_not_come_back_never_leaves_its_namespace(netns):
    """netns_install: setns() into the thread's own netns is refused exactly when coming back would be, so
    NetNS.create() proves the way back first and raises NamespaceError without unsharing."""
    raised, stayed = privileges.run_as("userns_root_init_netns", _try_a_netns_then_where, netns=netns)
    assert (raised, stayed) == (f"NamespaceError {errno.EPERM}", True)
