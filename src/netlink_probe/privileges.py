"""Run a callable in a forked child with exact privileges, and get its result back.

Contexts (names as used in observation keys):
  root                    – unchanged (uid 0, every capability)
  nobody                  – uid/gid 65534, no supplementary groups, no capabilities
  nobody+CAP_X[+CAP_Y]    – as nobody, keeping exactly those capabilities (PR_SET_KEEPCAPS)
  userns_root_own_netns   – nobody, then root of a new user namespace that owns a new netns
  userns_root_init_netns  – nobody, then root of a new user namespace, netns left as it was

Before forking, the parent checks it can take the context at all (capabilities.Privileges:
CAP_SETUID/CAP_SETGID, uid 65534 mapped, setgroups allowed, user namespaces enabled) and
raises PrivilegeUnavailable naming what is missing — as root of `unshare -r`, say.  The
child checks /proc/self/status CapEff against what it was asked for and fails loudly
otherwise, before the callable runs.  Results travel back pickled.
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from . import constants as C
from .capabilities import NOBODY, Privileges, status_mask
from .sys import calls

if TYPE_CHECKING:
    from .netns import NetNS

_T = TypeVar("_T")

__all__ = ["CONTEXTS", "NOBODY", "ChildError", "Context", "PrivilegeError", "PrivilegeUnavailable", "UserNetNS",
           "bounding_set", "capeff", "context", "enter_userns", "require", "run_as"]


class PrivilegeError(RuntimeError):
    """The child could not take the requested privileges (or took different ones)."""


class PrivilegeUnavailable(PrivilegeError):
    """This process lacks what a context needs (found before forking); the message names it."""


class ChildError(RuntimeError):
    """The callable raised something that could not travel back as itself."""


@dataclass(frozen=True)
class Context:
    """A privilege context: who the child becomes (see the module docstring for the names)."""

    name: str
    uid: int | None = None  # None: stay root
    caps: tuple[str, ...] = ()  # capability names kept as nobody
    userns: str | None = None  # None, "own_netns" or "keep_netns"

    def requirements(self) -> tuple[str, ...]:
        """What taking this context needs of the calling process (capabilities.Privileges.missing terms)."""
        if self.uid is None:
            return ()
        return ("nobody", *self.caps, *(("userns",) if self.userns else ()))

    def expected_capeff(self, bounding: int) -> int:
        """The CapEff the child must show once in this context (*bounding*: the parent's CapBnd)."""
        if self.userns:  # create_user_ns() grants CAP_FULL_SET inside, whatever the bounding set
            return (1 << (_cap_last_cap() + 1)) - 1
        if self.uid is None:
            return bounding
        mask = 0
        for c in self.caps:
            mask |= 1 << C.VALUES[c]
        return mask


def context(name: str) -> Context:
    """Parse a context name such as 'nobody+CAP_NET_ADMIN'."""
    if name == "root":
        return Context("root")
    if name == "userns_root_own_netns":
        return Context(name, NOBODY, (), "own_netns")
    if name == "userns_root_init_netns":
        return Context(name, NOBODY, (), "keep_netns")
    base, *caps = name.split("+")
    if base != "nobody":
        raise ValueError(f"unknown privilege context {name!r}")
    for c in caps:
        if not c.startswith("CAP_") or c not in C.VALUES:
            raise ValueError(f"unknown capability {c!r} in context {name!r}")
    return Context(name, NOBODY, tuple(caps))


CONTEXTS = ("root", "nobody", "nobody+CAP_NET_ADMIN", "nobody+CAP_AUDIT_READ",
            "userns_root_own_netns", "userns_root_init_netns")


def capeff() -> int:
    """This process's CapEff; PrivilegeError when /proc/self/status has none."""
    mask = status_mask("CapEff")
    if mask is None:
        raise PrivilegeError("no CapEff in /proc/self/status")
    return mask


def bounding_set() -> int:
    """This process's capability bounding set (CapBnd), 0 when unreadable."""
    return status_mask("CapBnd") or 0


def require(ctx: Context | str) -> Context:
    """The parsed context, if this process can take it; else PrivilegeUnavailable naming what is missing."""
    if isinstance(ctx, str):
        ctx = context(ctx)
    missing = Privileges.detect().missing_all(ctx.requirements())
    if missing:
        raise PrivilegeUnavailable(f"cannot take privilege context {ctx.name}: needs {missing}")
    return ctx


def _cap_last_cap() -> int:
    with open("/proc/sys/kernel/cap_last_cap") as f:
        return int(f.read())


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def enter_userns(uid: int, gid: int, *, new_netns: bool) -> None:
    """Become root of a new user namespace (and, with *new_netns*, of a network namespace it owns).

    unshare(CLONE_NEWUSER[|CLONE_NEWNET]); root inside maps to *uid*/*gid* outside, the one mapping an
    unprivileged process may write itself, once setgroups() is denied.  The caller must be
    single-threaded (unshare(CLONE_NEWUSER) is EINVAL otherwise).  OSError on failure.
    """
    calls.unshare(C.CLONE_NEWUSER | (C.CLONE_NEWNET if new_netns else 0))
    _write("/proc/self/uid_map", f"0 {uid} 1")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/gid_map", f"0 {gid} 1")
    calls.setresgid(0, 0, 0)
    calls.setresuid(0, 0, 0)


def _become(ctx: Context) -> None:
    """In the child: take the privileges of *ctx*, then prove it."""
    bounding = bounding_set()
    if ctx.uid is not None:
        mask = ctx.expected_capeff(bounding) if not ctx.userns else 0
        if mask:
            calls.prctl(C.PR_SET_KEEPCAPS, 1)
        calls.setgroups([])
        calls.setresgid(NOBODY, NOBODY, NOBODY)
        calls.setresuid(ctx.uid, ctx.uid, ctx.uid)
        if mask:
            calls.capset(mask, mask, 0)
        if ctx.userns:
            calls.prctl(C.PR_SET_DUMPABLE, 1)  # setresuid made us non-dumpable: /proc/self/*_map would be root's
            enter_userns(NOBODY, NOBODY, new_netns=ctx.userns == "own_netns")
    want, got = ctx.expected_capeff(bounding), capeff()
    if got != want:
        raise PrivilegeError(f"context {ctx.name}: CapEff is {got:#x}, expected {want:#x}")
    if ctx.uid is not None and not ctx.userns and (os.getuid(), os.geteuid()) != (ctx.uid, ctx.uid):
        raise PrivilegeError(f"context {ctx.name}: uid is {os.getuid()}/{os.geteuid()}")


class UserNetNS:
    """A new user namespace owned by uid 65534 and a network namespace it owns, held by two fds.

    Made by a short-lived child (unprivileged, then unshare(CLONE_NEWUSER|CLONE_NEWNET));
    the parent keeps /proc/CHILD/ns/{user,net} open, so both vanish with the holder,
    SIGKILL included.  ``net`` is a NetNS: sockets can be opened in it from outside,
    and `run_as("userns_root_own_netns", ..., netns=...)` is the way to act *as* its root.
    """

    def __init__(self, user_fd: int, net: NetNS) -> None:
        self.user_fd, self.net = user_fd, net

    @classmethod
    def create(cls, timeout: float = 10.0) -> "UserNetNS":
        """Make the pair (PrivilegeUnavailable before forking when this process cannot)."""
        from .netns import NetNS

        require("userns_root_own_netns")
        ready_r, ready_w = os.pipe()
        done_r, done_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                os.close(ready_r)
                os.close(done_w)
                _become(context("userns_root_own_netns"))
                os.write(ready_w, b"1")
                os.read(done_r, 1)  # the parent has opened the namespaces (or died: EOF)
                status = 0
            finally:
                os._exit(status)
        os.close(ready_w)
        os.close(done_r)
        try:
            ready, _, _ = select.select([ready_r], [], [], timeout)
            if not ready or os.read(ready_r, 1) != b"1":
                raise PrivilegeError("the child could not create a user+network namespace pair")
            user_fd = os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
            net = NetNS(os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC), "userns-owned netns")
        finally:
            os.close(done_w)
            os.close(ready_r)
            _reap(pid)
        return cls(user_fd, net)

    def close(self) -> None:
        """Close both fds: the namespaces vanish unless something else holds them."""
        self.net.close()
        if self.user_fd >= 0:
            os.close(self.user_fd)
            self.user_fd = -1

    def __enter__(self) -> UserNetNS:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_as(ctx: Context | str, fn: Callable[..., _T], *args: Any, netns: Any = None, timeout: float = 60.0,
           **kwargs: Any) -> _T:
    """fn(*args, **kwargs) in a forked child with the privileges of *ctx*; returns its result.

    netns: enter this namespace (NetNS, fd or path) before dropping privileges.
    An exception in the child is re-raised here (OSError keeps its errno).
    PrivilegeUnavailable (before any fork) when this process cannot take *ctx*.
    """
    ctx = require(ctx)
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns
        status = 0
        try:
            os.close(rfd)
            if netns is not None:
                from .netns import NetNS
                fd = netns.fd if hasattr(netns, "fd") else (netns if isinstance(netns, int) else NetNS.open(netns).fd)
                calls.setns(fd, C.CLONE_NEWNET)
            _become(ctx)
            payload: tuple[str, object] = ("ok", fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - everything goes back to the parent
            payload = ("err", _portable(e))
            status = 1
        try:
            data = pickle.dumps(payload)
        except Exception as e:  # an unpicklable result
            data = pickle.dumps(("err", ChildError(f"result not picklable: {e!r}")))
        try:
            os.write(wfd, len(data).to_bytes(8, "little"))
            view = memoryview(data)
            while view:
                view = view[os.write(wfd, view):]
        finally:
            os._exit(status)
    os.close(wfd)
    try:
        data = _read_all(rfd, pid, timeout)
    finally:
        os.close(rfd)
        _reap(pid)
    if not data:
        raise ChildError(f"child for context {ctx.name} died without a result")
    kind, value = pickle.loads(data[8:])
    if kind == "ok":
        result: _T = value
        return result
    raise value


def _portable(e: BaseException) -> BaseException:
    """An exception that survives pickling; OSError subclasses keep errno and message."""
    try:
        pickle.loads(pickle.dumps(e))
        return e
    except Exception:
        if isinstance(e, OSError):
            return OSError(e.errno, str(e))
        return ChildError("".join(traceback.format_exception(e)))


def _read_all(fd: int, pid: int, timeout: float) -> bytes:
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            raise TimeoutError(f"privileged child {pid} gave no result within {timeout:g} s")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        b = os.read(fd, 1 << 16)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
