"""Network namespaces: anonymous ones that vanish with their holder, and entering them.

A `NetNS` is held by an open fd (no bind mount under /run/netns), so the
namespace disappears when the last fd and socket in it close — also when the
process is SIGKILLed.  setns() acts on the calling thread only; `entered()`
always restores the thread's previous namespace.

A path is opened so that it cannot block or act (a FIFO, a tape, a tty):
first with O_PATH, which opens nothing, then checked to be an nsfs file of a
*network* namespace (``/proc/self/fd/N`` reads ``net:[inode]``), and only
then reopened for reading through ``/proc/self/fd/N``, the very file checked.
"""
from __future__ import annotations

import contextlib
import errno as _errno
import fcntl
import os
import stat
import threading
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar

from . import constants as C
from .sys import calls

__all__ = ["NamespaceError", "NetNS", "entered", "file_kind", "inode_of_current"]

_SELF = "/proc/thread-self/ns/net"
_P = ParamSpec("_P")
_T = TypeVar("_T")
_lock = threading.Lock()  # setns/unshare pairs must not interleave between threads of one caller


class NamespaceError(OSError):
    """A namespace that cannot be opened or entered (missing, not a netns, no permission)."""


class NetNS:
    """A network namespace held open by an fd."""

    def __init__(self, fd: int, label: str = "") -> None:
        self.fd = fd
        st = os.fstat(fd)
        self.inode = st.st_ino
        self.label = label or f"netns:[{self.inode}]"

    @classmethod
    def create(cls) -> "NetNS":
        """A fresh namespace (loopback down, nothing else), left without entering it."""
        with _lock:
            back = os.open(_SELF, os.O_RDONLY | os.O_CLOEXEC)
            try:
                _can_return(back)
                try:
                    calls.unshare(C.CLONE_NEWNET)
                    fd = os.open(_SELF, os.O_RDONLY | os.O_CLOEXEC)
                finally:
                    calls.setns(back, C.CLONE_NEWNET)
            finally:
                os.close(back)
        return cls(fd)

    @classmethod
    def open(cls, where: Any) -> "NetNS":
        """By name (/run/netns/NAME), path (/proc/PID/ns/net) or an fd (duplicated)."""
        if isinstance(where, NetNS):
            return cls(os.dup(where.fd), where.label)
        if isinstance(where, int):
            return cls(os.dup(where))
        path = str(where)
        if "/" not in path:
            path = f"/run/netns/{path}"
        ns = cls(_open_netns_file(path, where), str(where))
        try:  # prove it is a netns: entering it must work
            with entered(ns):
                pass
        except NamespaceError:  # this thread may not leave its own namespace: not the file's fault
            ns.close()
            raise
        except OSError as e:
            ns.close()
            if e.errno in _DENIED:
                raise NamespaceError(e.errno, f"network namespace {where!r}: permission denied: setns() into it "
                                     f"needs CAP_SYS_ADMIN over the user namespace that owns it ({e.strerror})"
                                     ) from None
            raise NamespaceError(e.errno, f"{where!r} is not a network namespace ({e.strerror})") from None
        return ns

    @classmethod
    def current(cls) -> "NetNS":
        """A handle on the calling thread's namespace (an fd of /proc/thread-self/ns/net), to come back to."""
        return cls(os.open(_SELF, os.O_RDONLY | os.O_CLOEXEC), "current")

    @property
    def path(self) -> str:
        """A path to the namespace through this process's fd, for tools that take one (``nsenter --net=PATH``)."""
        return f"/proc/{os.getpid()}/fd/{self.fd}"

    def run(self, fn: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """Call fn inside the namespace (this thread), then come back."""
        with entered(self):
            return fn(*args, **kwargs)

    def close(self) -> None:
        """Drop the fd: the namespace goes once no process, socket or mount holds it. Idempotent."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> NetNS:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"NetNS({self.label}, fd={self.fd})"


def _open_netns_file(path: str, where: object) -> int:
    """An O_RDONLY fd on the network namespace file *path*; NamespaceError for anything else, without blocking."""
    try:
        probe = os.open(path, os.O_PATH | os.O_CLOEXEC)  # O_PATH: no open() of the file itself, never blocks
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
        errno = getattr(e, "errno", None) or _errno.EINVAL
        raise _cannot_open(errno, where, getattr(e, "strerror", None) or str(e)) from None
    try:
        st = os.fstat(probe)
        kind = os.readlink(f"/proc/self/fd/{probe}")  # nsfs names itself "net:[4026531840]"
        # ...unless bind-mounted (`ip netns add` under /run/netns): then the link is the path, and the
        # file is known as nsfs by its device (nsfs has one superblock), its type by NS_GET_NSTYPE below
        mounted = kind.startswith("/") and st.st_dev == os.stat(_SELF).st_dev
        if not stat.S_ISREG(st.st_mode) or not mounted and (not kind.endswith("]") or ":[" not in kind
                                                             or kind.startswith("/")):
            raise NamespaceError(_errno.EINVAL, f"{where!r} is not a network namespace "
                                 f"({file_kind(st.st_mode)}, not an nsfs file)")
        if not mounted and not kind.startswith("net:["):
            raise NamespaceError(_errno.EINVAL, f"{where!r} is not a network namespace (a {kind.split(':')[0]} namespace)")
        fd = os.open(f"/proc/self/fd/{probe}", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        if mounted and _ns_type(fd) not in (None, C.CLONE_NEWNET):
            os.close(fd)
            raise NamespaceError(_errno.EINVAL, f"{where!r} is not a network namespace (another type of namespace)")
        return fd
    except NamespaceError:
        raise
    except OSError as e:
        raise _cannot_open(e.errno or _errno.EIO, where, e.strerror or str(e)) from None
    finally:
        os.close(probe)


_DENIED = (_errno.EACCES, _errno.EPERM)
_NS_GET_NSTYPE = 0xB703  # _IO(NSIO 0xb7, 0x3), include/uapi/linux/nsfs.h (Linux 4.11)


def _ns_type(fd: int) -> int | None:
    """The CLONE_NEW* type of the namespace file *fd*, None when the kernel cannot tell (before 4.11)."""
    try:
        return fcntl.ioctl(fd, _NS_GET_NSTYPE)
    except OSError:
        return None


def _cannot_open(errno: int, where: object, why: str) -> NamespaceError:
    """The error for a namespace file that cannot be opened; a permission error says so (it exists)."""
    if errno in _DENIED:
        return NamespaceError(errno, f"network namespace {where!r}: permission denied ({why}): the file "
                              "exists but this process may not open it (a directory on the path not "
                              "searchable, or a /proc entry of another user's process)")
    return NamespaceError(errno, f"network namespace {where!r}: {why}")


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link"),
          (stat.S_ISREG, "a regular file"))


def file_kind(mode: int) -> str:
    """'a FIFO', 'a directory', ... for an st_mode: what a refused path is, in a message."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "an unknown kind of file"


def inode_of_current() -> int:
    """The inode of the calling thread's network namespace: equal inodes, same namespace."""
    return os.stat(_SELF).st_ino


def _can_return(back: int) -> None:
    """Prove the thread may come back to its namespace *before* it leaves it.

    setns() into the namespace the thread is already in needs what coming back
    needs: CAP_SYS_ADMIN over the user namespace that owns it (root of a user
    namespace that does not own its netns, as under `unshare -r`, lacks it).
    Failing afterwards would strand the thread in the other namespace.
    """
    try:
        calls.setns(back, C.CLONE_NEWNET)
    except OSError as e:
        raise NamespaceError(e.errno, "cannot leave this network namespace and come back: setns() into it "
                             f"needs CAP_SYS_ADMIN over the user namespace that owns it ({e.strerror})") from None


@contextlib.contextmanager
def entered(ns: Any) -> Iterator[None]:
    """Run the with-block with the calling thread inside *ns* (a NetNS, fd or path)."""
    own = None
    if isinstance(ns, NetNS):
        fd = ns.fd
    elif isinstance(ns, int):
        fd = ns
    elif hasattr(ns, "fd"):
        fd = ns.fd
    else:
        own = NetNS.open(ns)
        fd = own.fd
    back = os.open(_SELF, os.O_RDONLY | os.O_CLOEXEC)
    try:
        _can_return(back)
        calls.setns(fd, C.CLONE_NEWNET)
        try:
            yield
        finally:
            calls.setns(back, C.CLONE_NEWNET)
    finally:
        os.close(back)
        if own is not None:
            own.close()
