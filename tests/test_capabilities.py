"""capabilities.Privileges: privileges read from (fake) /proc trees, and what each requirement lacks."""
from __future__ import annotations

import dataclasses
import os

import pytest

from netlink_probe import privileges
from netlink_probe.capabilities import PROC_NET_INIT_INO, Privileges, netns_owner, status_mask

FULL_CAPS = (1 << 41) - 1  # CAP_CHOWN .. CAP_CHECKPOINT_RESTORE
IDENTITY = "         0          0 4294967295\n"


def fake_proc(tmp_path, *, capeff: int = FULL_CAPS, uid_map: str = IDENTITY, gid_map: str | None = None,
              setgroups: str = "allow", max_userns: str = "15000", release: str = "6.18.44-fc",
              extra: dict[str, str] | None = None) -> str:
    """A /proc with just the files Privileges.detect() reads (no nsfs: ownership is 'unknown')."""
    files = {"self/status": f"Name:\tpython3\nCapInh:\t0000000000000000\nCapEff:\t{capeff:016x}\n"
                            f"CapBnd:\t{FULL_CAPS:016x}\n",
             "self/uid_map": uid_map, "self/gid_map": gid_map if gid_map is not None else uid_map,
             "self/setgroups": setgroups + "\n", "sys/user/max_user_namespaces": max_userns + "\n",
             "sys/kernel/osrelease": release + "\n", **(extra or {})}
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path)


def root(tmp_path) -> Privileges:
    return Privileges.detect(fake_proc(tmp_path))


def unshare_r(tmp_path, owner: str) -> Privileges:
    """Root of `unshare -r` (owner 'outside') or `unshare -rn` (owner 'own'), started by uid 1000."""
    p = Privileges.detect(fake_proc(tmp_path, uid_map="         0       1000          1\n", setgroups="deny"))
    return dataclasses.replace(p, netns_owner=owner)


def test_real_root_meets_every_requirement(tmp_path):
    p = root(tmp_path)
    assert (p.in_initial_userns, p.can_create_netns, p.can_return_from_netns, p.can_drop_to_nobody) == \
        (True, True, True, True)
    for r in ("netns", "init_userns", "init_userns:CAP_AUDIT_READ", "nobody", "userns", "CAP_NET_ADMIN"):
        assert p.missing(r) is None, r


def test_unshare_r_cannot_leave_a_netns_and_says_which_capability_is_missing(tmp_path):
    p = unshare_r(tmp_path, "outside")
    assert (p.in_initial_userns, p.owns_current_netns, p.can_create_netns, p.can_return_from_netns) == \
        (False, False, True, False)
    assert p.missing("netns") == ("CAP_SYS_ADMIN over the user namespace that owns this network namespace (setns "
                                  "back would fail)")


def test_unshare_rn_runs_namespaces_but_not_capable_checks_nor_nobody(tmp_path):
    p = unshare_r(tmp_path, "own")
    assert p.missing("netns") is None
    assert p.owns_current_netns and p.in_initial_netns is False
    assert "uid_map 0 1000 1" in p.missing("init_userns")
    assert "initial user namespace" in p.missing("init_userns:CAP_AUDIT_READ")
    nobody = p.missing("nobody")
    assert "uid 65534 mapped" in nobody and "gid 65534 mapped" in nobody and "'deny'" in nobody
    assert "CAP_SETUID" not in nobody  # root of the user namespace has it


def test_uid_65534_cannot_create_a_netns(tmp_path):
    p = Privileges.detect(fake_proc(tmp_path, capeff=0))
    assert p.missing("netns").startswith("CAP_SYS_ADMIN (unshare(CLONE_NEWNET)")
    assert "CAP_SETUID" in p.missing("nobody") and "CAP_SETGID" in p.missing("nobody")
    assert p.missing("CAP_NET_ADMIN") == "CAP_NET_ADMIN (not in CapEff 0x0)"


def test_capability_over_the_initial_user_namespace_names_the_capability(tmp_path):
    p = Privileges.detect(fake_proc(tmp_path, capeff=FULL_CAPS & ~(1 << 37)))
    assert p.missing("init_userns") is None
    assert p.missing("init_userns:CAP_AUDIT_READ") == "CAP_AUDIT_READ over the initial user namespace"


def test_init_netns_is_known_by_its_fixed_inode_or_not_at_all_on_older_kernels(tmp_path):
    p = root(tmp_path)
    assert dataclasses.replace(p, netns_inode=PROC_NET_INIT_INO).missing("init_netns") is None
    assert "is another" in dataclasses.replace(p, netns_inode=0xF0000123).missing("init_netns")
    old = dataclasses.replace(p, netns_inode=0xF0000123, kernel_release=(6, 1))
    assert "may be another" in old.missing("init_netns")
    assert dataclasses.replace(old, init_netns_inode=0xF0000123).missing("init_netns") is None


def test_user_namespace_sysctls_are_named(tmp_path):
    p = Privileges.detect(fake_proc(tmp_path, max_userns="0",
                                    extra={"sys/kernel/apparmor_restrict_unprivileged_userns": "1\n"}))
    assert p.missing("userns") == ("user namespaces (user.max_user_namespaces is 0); unprivileged user namespaces "
                                   "(kernel.apparmor_restrict_unprivileged_userns is 1)")


@pytest.mark.parametrize("release, want", [("6.18.44-fc-v657", (6, 18)), ("5.4.0-150-generic", (5, 4)),
                                           ("6.1rc3", (6, 1)), ("garbage", None)])
def test_kernel_release_is_read_as_major_minor(tmp_path, release, want):
    assert Privileges.detect(fake_proc(tmp_path, release=release)).kernel_release == want


def test_unknown_requirements_are_refused(tmp_path):
    with pytest.raises(ValueError):
        root(tmp_path).missing("superuser")
    with pytest.raises(ValueError):
        root(tmp_path).missing("CAP_FLY")


def test_missing_all_joins_each_missing_part_once(tmp_path):
    p = unshare_r(tmp_path, "outside")
    assert p.missing_all(["netns", "CAP_NET_ADMIN", "netns"]) == p.missing("netns")
    assert p.missing_all(["CAP_NET_ADMIN"]) is None


def test_ownership_of_something_not_a_namespace_is_unknown(tmp_path):
    (tmp_path / "file").write_text("")
    assert netns_owner(str(tmp_path / "file"), "/proc/self/ns/user") == "unknown"
    assert netns_owner(str(tmp_path / "absent"), "/proc/self/ns/user") == "unknown"


def test_detect_reads_this_process(tmp_path):
    p = Privileges.detect()
    assert p.capeff == status_mask("CapEff") == privileges.capeff()
    assert p.netns_owner in ("own", "descendant", "outside")
    assert p.netns_inode == os.stat("/proc/self/ns/net").st_ino


@pytest.mark.parametrize("name, want", [("root", ()), ("nobody", ("nobody",)),
                                        ("nobody+CAP_NET_ADMIN", ("nobody", "CAP_NET_ADMIN")),
                                        ("userns_root_own_netns", ("nobody", "userns"))])
def test_each_context_names_its_requirements(name, want):
    assert privileges.context(name).requirements() == want


def test_run_as_refuses_before_forking_naming_what_is_missing(tmp_path, monkeypatch):
    """As root of `unshare -r`: a clear PrivilegeUnavailable, not setgroups' EPERM from a child."""
    fake = unshare_r(tmp_path, "own")
    monkeypatch.setattr(Privileges, "detect", classmethod(lambda cls, proc="/proc": fake))
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("run_as forked although the context is out of reach"))
    with pytest.raises(privileges.PrivilegeUnavailable, match=r"nobody\+CAP_NET_ADMIN: needs uid 65534 mapped"):
        privileges.run_as("nobody+CAP_NET_ADMIN", os.getuid)
    with pytest.raises(privileges.PrivilegeUnavailable, match="setgroups"):
        privileges.UserNetNS.create()
    assert isinstance(privileges.PrivilegeUnavailable("x"), privileges.PrivilegeError)
