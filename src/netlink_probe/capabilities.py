"""What this process may do, by capability and namespace — not by ``geteuid() == 0``.

Root inside a user namespace (``unshare -r``) has uid 0 and a full CapEff, yet
every capability counts only over namespaces its user namespace owns: it cannot
setns() back into a network namespace the initial user namespace owns, capable()
checks (audit) fail, and setgroups()/uid 65534 are out of reach.
`Privileges.detect()` reads the facts once from /proc and nsfs;
`Privileges.missing(requirement)` names what a requirement lacks, or None.

Requirements (strings, so tests can declare them):
  netns                a network namespace can be created and left again (CAP_SYS_ADMIN over this user
                       namespace, and over the one owning the current netns)
  init_userns          this process is in the initial user namespace (capable() can succeed)
  init_userns:CAP_X    CAP_X over the initial user namespace: capable(CAP_X)
  init_netns           the current network namespace is init_net
  init_pidns           the current pid namespace is the initial one
  CAP_X                CAP_X in CapEff (over this process's user namespace: ns_capable)
  nobody               can become uid/gid 65534 without groups (setgroups, setresgid, setresuid)
  userns               an unprivileged process may create a user namespace
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
from dataclasses import dataclass

from . import constants as C

__all__ = ["FIXED_NET_INIT_INO_SINCE", "NOBODY", "PROC_NET_INIT_INO", "PROC_PID_INIT_INO", "PROC_USER_INIT_INO", "Privileges",
           "cap_names", "netns_owner", "status_mask"]

NOBODY = 65534
# include/linux/proc_ns.h: the initial namespaces' fixed nsfs inode numbers (user and pid since v3.8,
# net since v6.18; older kernels number init_net dynamically, from 0xF0000000 up, so no clash).
FIXED_NET_INIT_INO_SINCE = (6, 18)
PROC_USER_INIT_INO = 0xEFFFFFFD
PROC_PID_INIT_INO = 0xEFFFFFFC
PROC_NET_INIT_INO = 0xEFFFFFF9
_IDENTITY_MAP = ((0, 0, 4294967295),)  # /proc/self/uid_map of the initial user namespace


def cap_names(mask: int) -> tuple[str, ...]:
    """The capability names set in *mask* (a CapEff-style bit mask)."""
    return tuple(n for n in C.NAMES if n.startswith("CAP_") and n != "CAP_LAST_CAP" and mask >> C.VALUES[n] & 1)


def netns_owner(net_path: str, user_path: str) -> str:
    """Who owns the netns at *net_path*, seen from the user namespace at *user_path*.

    nsfs NS_GET_USERNS (ns_get_owner) walks from the netns's owner up to the caller's user
    namespace and fails with EPERM if it never gets there, so: 'own' (same inode), 'descendant'
    (a user namespace below ours: our capabilities apply to it too), 'outside' (EPERM: owned above
    or beside us, our capabilities do not reach it) or 'unknown' (no nsfs, no such ioctl).
    """
    try:
        net_fd = os.open(net_path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return "unknown"
    try:
        owner_fd = fcntl.ioctl(net_fd, C.NS_GET_USERNS)
    except OSError as e:
        return "outside" if e.errno == errno.EPERM else "unknown"
    finally:
        os.close(net_fd)
    try:
        return "own" if os.fstat(owner_fd).st_ino == os.stat(user_path).st_ino else "descendant"
    except OSError:
        return "unknown"
    finally:
        os.close(owner_fd)


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def status_mask(field: str, proc: str = "/proc") -> int | None:
    """A capability mask of /proc/self/status (CapEff, CapPrm, CapBnd ...); None when absent."""
    for line in (_read(f"{proc}/self/status") or "").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1], 16)
    return None


def _id_map(text: str | None) -> tuple[tuple[int, int, int], ...]:
    """/proc/PID/uid_map as (inside, outside, count) rows; empty when unreadable or unwritten."""
    rows = []
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) == 3:
            inside, outside, count = (int(p) for p in parts)
            rows.append((inside, outside, count))
    return tuple(rows)


def _maps(rows: tuple[tuple[int, int, int], ...], ident: int) -> bool:
    return any(inside <= ident < inside + count for inside, _, count in rows)


def _inode(path: str) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def _release(text: str | None) -> tuple[int, int] | None:
    """(major, minor) of a kernel release string such as '6.18.44-fc'."""
    m = re.match(r"(\d+)\.(\d+)", text or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Privileges:
    """The facts one process's privileges rest on (see the module docstring for the requirements)."""

    capeff: int  # CapEff: capabilities over this process's user namespace
    uid_map: tuple[tuple[int, int, int], ...]
    gid_map: tuple[tuple[int, int, int], ...]
    setgroups: str  # /proc/self/setgroups: "allow" or "deny"
    userns_inode: int | None
    netns_inode: int | None
    pidns_inode: int | None
    netns_owner: str  # netns_owner(): own, descendant, outside, unknown
    init_netns_inode: int | None = None  # /proc/1/ns/net when readable (kernels before v6.18)
    max_user_namespaces: int | None = None
    unprivileged_userns_clone: int | None = None  # Debian's kernel.unprivileged_userns_clone, if present
    apparmor_restricts_userns: int | None = None  # Ubuntu's kernel.apparmor_restrict_unprivileged_userns
    kernel_release: tuple[int, int] | None = None

    @classmethod
    def detect(cls, proc: str = "/proc") -> Privileges:
        """Read the calling process's privileges from *proc* (a fake tree in tests)."""
        me = f"{proc}/self"
        pid_ino = _inode(f"{me}/ns/pid")
        return cls(
            capeff=status_mask("CapEff", proc) or 0,
            uid_map=_id_map(_read(f"{me}/uid_map")),
            gid_map=_id_map(_read(f"{me}/gid_map")),
            setgroups=(_read(f"{me}/setgroups") or "allow").strip(),
            userns_inode=_inode(f"{me}/ns/user"),
            netns_inode=_inode(f"{me}/ns/net"),
            pidns_inode=pid_ino,
            netns_owner=netns_owner(f"{me}/ns/net", f"{me}/ns/user"),
            # pid 1 is the initial pid namespace's init only there; unreadable without privileges
            init_netns_inode=_inode(f"{proc}/1/ns/net") if pid_ino == PROC_PID_INIT_INO else None,
            max_user_namespaces=_int(_read(f"{proc}/sys/user/max_user_namespaces")),
            unprivileged_userns_clone=_int(_read(f"{proc}/sys/kernel/unprivileged_userns_clone")),
            apparmor_restricts_userns=_int(_read(f"{proc}/sys/kernel/apparmor_restrict_unprivileged_userns")),
            kernel_release=_release(_read(f"{proc}/sys/kernel/osrelease")),
        )

    # -- the facts, named ---------------------------------------------------------------------------
    def has(self, cap: str) -> bool:
        """*cap* in CapEff: held over this user namespace (and the ones it owns)."""
        return bool(self.capeff >> C.VALUES[cap] & 1)

    @property
    def in_initial_userns(self) -> bool:
        """The standard test (uid_map is the identity over every id), and the fixed inode where known."""
        return self.uid_map == _IDENTITY_MAP and self.userns_inode in (None, PROC_USER_INIT_INO)

    @property
    def in_initial_netns(self) -> bool | None:
        """Whether the current netns is init_net; None when nothing tells (old kernel, pid 1 unreadable)."""
        if self.netns_inode == PROC_NET_INIT_INO:
            return True
        if self.netns_owner == "descendant" or (self.netns_owner == "own" and not self.in_initial_userns):
            return False  # init_net is owned by the initial user namespace
        if self.kernel_release and self.kernel_release >= FIXED_NET_INIT_INO_SINCE:
            return False
        if self.init_netns_inode is not None:
            return self.netns_inode == self.init_netns_inode
        return None

    @property
    def in_initial_pidns(self) -> bool:
        """The current pid namespace is the initial one (its fixed nsfs inode)."""
        return self.pidns_inode == PROC_PID_INIT_INO

    @property
    def owns_current_netns(self) -> bool:
        """The current netns is owned by this process's user namespace."""
        return self.netns_owner == "own"

    @property
    def can_create_netns(self) -> bool:
        """unshare(CLONE_NEWNET): ns_capable(current_user_ns(), CAP_SYS_ADMIN)."""
        return self.has("CAP_SYS_ADMIN")

    @property
    def can_return_from_netns(self) -> bool:
        """setns() back into the current netns: CAP_SYS_ADMIN over the user namespace that owns it."""
        reach = self.netns_owner in ("own", "descendant") or (self.netns_owner == "unknown" and self.in_initial_userns)
        return self.has("CAP_SYS_ADMIN") and reach

    @property
    def can_drop_to_nobody(self) -> bool:
        """setgroups/setresgid/setresuid to 65534 would succeed (requirement 'nobody')."""
        return not self._nobody_missing()

    @property
    def can_create_userns(self) -> bool:
        """An unprivileged process may create a user namespace here (requirement 'userns'; rootless mode)."""
        return not self._userns_missing()

    # -- requirements -------------------------------------------------------------------------------
    def missing(self, requirement: str) -> str | None:
        """What *requirement* lacks here, named precisely (capability, namespace, sysctl), or None."""
        if requirement == "netns":
            if not self.can_create_netns:
                return "CAP_SYS_ADMIN (unshare(CLONE_NEWNET) needs it over this process's user namespace)"
            if not self.can_return_from_netns:
                return ("CAP_SYS_ADMIN over the user namespace that owns this network namespace (setns back would "
                        "fail)")
            return None
        if requirement == "init_userns":
            return None if self.in_initial_userns else (
                f"the initial user namespace (this process is in a user namespace: uid_map {self._map_text()}; "
                "capable() checks fail there)")
        if requirement.startswith("init_userns:"):
            cap = requirement.split(":", 1)[1]
            return self.missing("init_userns") or self.missing(cap) and f"{cap} over the initial user namespace"
        if requirement == "init_netns":
            here = self.in_initial_netns
            if here:
                return None
            what = "is another" if here is False else "may be another (no fixed inode, /proc/1/ns/net unreadable)"
            return f"the initial network namespace (init_net): net:[{self.netns_inode}] {what}"
        if requirement == "init_pidns":
            return None if self.in_initial_pidns else f"the initial pid namespace (this is pid:[{self.pidns_inode}])"
        if requirement == "nobody":
            return "; ".join(self._nobody_missing()) or None
        if requirement == "userns":
            return "; ".join(self._userns_missing()) or None
        if requirement.startswith("CAP_"):
            if requirement not in C.VALUES:
                raise ValueError(f"unknown capability {requirement!r}")
            return None if self.has(requirement) else f"{requirement} (not in CapEff {self.capeff:#x})"
        raise ValueError(f"unknown privilege requirement {requirement!r}")

    def missing_all(self, requirements: tuple[str, ...] | list[str]) -> str | None:
        """Every requirement's missing part, joined; None when all are met."""
        found = [m for m in (self.missing(r) for r in requirements) if m]
        return "; ".join(dict.fromkeys(found)) or None

    def _map_text(self) -> str:
        return ",".join(" ".join(map(str, row)) for row in self.uid_map) or "unwritten"

    def _nobody_missing(self) -> list[str]:
        out = []
        if not self.has("CAP_SETGID"):
            out.append("CAP_SETGID (setgroups/setresgid to 65534)")
        if not self.has("CAP_SETUID"):
            out.append("CAP_SETUID (setresuid to 65534)")
        if not _maps(self.uid_map, NOBODY):
            out.append(f"uid {NOBODY} mapped in this user namespace (uid_map {self._map_text()})")
        if not _maps(self.gid_map, NOBODY):
            out.append(f"gid {NOBODY} mapped in this user namespace")
        if self.setgroups != "allow":
            out.append(f"setgroups() allowed (/proc/self/setgroups is {self.setgroups!r}: EPERM)")
        return out

    def _userns_missing(self) -> list[str]:
        out = []
        if self.max_user_namespaces == 0:
            out.append("user namespaces (user.max_user_namespaces is 0)")
        if self.unprivileged_userns_clone == 0:
            out.append("unprivileged user namespaces (kernel.unprivileged_userns_clone is 0)")
        if self.apparmor_restricts_userns:
            out.append("unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns is 1)")
        return out
