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
            raise NamespaceError(e.errno, f"{where!r} is not a network namespace ({e.strerror})") from None
        return ns

    @classmethod
    def current(cls) -> "NetNS":
        return cls(os.open(_SELF, os.O_RDONLY | os.O_CLOEXEC), "current")

    @property
    def path(self) -> str:
        return f"/proc/{os.getpid()}/fd/{self.fd}"

    def run(self, fn: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """Call fn inside the namespace (this thread), then come back."""
        with entered(self):
            return fn(*args, **kwargs)

    def close(self) -> None:
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
        raise NamespaceError(errno, f"network namespace {where!r}: {getattr(e, 'strerror', None) or e}") from None
    try:
        mode = os.fstat(probe).st_mode
        kind = os.readlink(f"/proc/self/fd/{probe}")  # nsfs names itself "net:[4026531840]"
        if not stat.S_ISREG(mode) or not kind.endswith("]") or ":[" not in kind or kind.startswith("/"):
            raise NamespaceError(_errno.EINVAL, f"{where!r} is not a network namespace ({file_kind(mode)}, not an nsfs file)")
        if not kind.startswith("net:["):
            raise NamespaceError(_errno.EINVAL, f"{where!r} is not a network namespace (a {kind.split(':')[0]} namespace)")
        return os.open(f"/proc/self/fd/{probe}", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except NamespaceError:
        raise
    except OSError as e:
        raise NamespaceError(e.errno, f"network namespace {where!r}: {e.strerror}") from None
    finally:
        os.close(probe)


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
