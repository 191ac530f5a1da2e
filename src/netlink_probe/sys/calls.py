"""Thin Python wrappers over the cffi syscalls: same arguments, OSError(errno) on failure.

Nothing here knows netlink messages; see ``netlink_probe.socket`` for that.
"""
from __future__ import annotations

import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._netlink_cffi import ffi, lib

_SA_LEN = ffi.sizeof("struct sockaddr_nl")


def _check(ret: int, what: str) -> int:
    if ret < 0:
        e = ffi.errno
        raise OSError(e, f"{what}: {os.strerror(e)}")
    return ret


def sockaddr_nl(pid: int = 0, groups: int = 0) -> Any:
    """A cffi ``struct sockaddr_nl *`` for port id *pid* and group mask *groups*."""
    sa = ffi.new("struct sockaddr_nl *")
    sa.nl_family = lib.AF_NETLINK
    sa.nl_pid = pid
    sa.nl_groups = groups
    return sa


def socket(domain: int, type_: int, protocol: int) -> int:
    """socket(2) straight through libc: negative protocols reach the kernel as they are."""
    return _check(lib.socket(domain, type_, protocol), "socket")


def close(fd: int) -> None:
    """close(2)."""
    _check(lib.close(fd), "close")


def bind(fd: int, pid: int = 0, groups: int = 0, *, addrlen: int | None = None) -> None:
    """bind(2) to sockaddr_nl{pid, groups}; *addrlen* other than its size tests the kernel's length check."""
    sa = sockaddr_nl(pid, groups)
    _check(lib.bind(fd, ffi.cast("struct sockaddr *", sa), _SA_LEN if addrlen is None else addrlen), "bind")


def connect(fd: int, pid: int = 0, groups: int = 0) -> None:
    """connect(2) to sockaddr_nl{pid, groups}: the default destination, and the only sender accepted."""
    sa = sockaddr_nl(pid, groups)
    _check(lib.connect(fd, ffi.cast("struct sockaddr *", sa), _SA_LEN), "connect")


def _name(fn: Callable[..., int], fd: int, what: str) -> tuple[int, int]:
    sa = ffi.new("struct sockaddr_nl *")
    ln = ffi.new("socklen_t *", _SA_LEN)
    _check(fn(fd, ffi.cast("struct sockaddr *", sa), ln), what)
    return sa.nl_pid, sa.nl_groups


def getsockname(fd: int) -> tuple[int, int]:
    """(nl_pid, nl_groups) — nl_groups holds only groups 1..32."""
    return _name(lib.getsockname, fd, "getsockname")


def getpeername(fd: int) -> tuple[int, int]:
    """(nl_pid, nl_groups) of the connected destination ((0, 0) when not connected)."""
    return _name(lib.getpeername, fd, "getpeername")


def sendto(fd: int, data: bytes, pid: int = 0, groups: int = 0, flags: int = 0) -> int:
    """sendto(2) one datagram to sockaddr_nl{pid, groups}; the bytes sent."""
    sa = sockaddr_nl(pid, groups)
    return _check(lib.sendto(fd, ffi.from_buffer(data), len(data), flags, ffi.cast("struct sockaddr *", sa),
                             _SA_LEN), "sendto")


def sendmsg(fd: int, chunks: list[bytes], pid: int = 0, groups: int = 0, flags: int = 0) -> int:
    """sendmsg(2) with one iovec per chunk (the kernel sees one datagram)."""
    sa = sockaddr_nl(pid, groups)
    keep = [ffi.from_buffer(c) for c in chunks]
    iov = ffi.new("struct iovec[]", len(chunks))
    for i, (c, b) in enumerate(zip(chunks, keep)):
        iov[i].iov_base = b
        iov[i].iov_len = len(c)
    msg = ffi.new("struct msghdr *")
    msg.msg_name = sa
    msg.msg_namelen = _SA_LEN
    msg.msg_iov = iov
    msg.msg_iovlen = len(chunks)
    return _check(lib.sendmsg(fd, msg, flags), "sendmsg")


@dataclass
class Received:
    """One datagram from recvmsg: bytes, sender, flags and the ancillary data we understand."""

    data: bytes
    src_pid: int
    src_groups: int
    msg_flags: int
    length: int  # the datagram's true length when MSG_TRUNC was passed, else len(data)
    pktinfo_group: int | None = None
    nsid: int | None = None
    creds: tuple[int, int, int] | None = None  # (pid, uid, gid)

    @property
    def truncated(self) -> bool:
        """MSG_TRUNC: the datagram was longer than the buffer; ``length`` has its true size."""
        return bool(self.msg_flags & lib.MSG_TRUNC)

    @property
    def from_kernel(self) -> bool:
        """Sent by the kernel: source nl_pid 0.  Any other port is a user socket (netlink_sendmsg stamps
        NETLINK_CB(skb).portid with the sender's port; only kernel sockets have port 0)."""
        return self.src_pid == 0


class Receiver:
    """recvmsg(2) with preallocated buffers, reused for every call on one socket."""

    CONTROL = 256

    def __init__(self, fd: int, size: int):
        self.fd = fd
        self.size = size
        self.buf = ffi.new("char[]", size)
        self.sa = ffi.new("struct sockaddr_nl *")
        self.iov = ffi.new("struct iovec *")
        self.iov.iov_base = self.buf
        self.iov.iov_len = size
        self.control = ffi.new("char[]", self.CONTROL)
        self.msg = ffi.new("struct msghdr *")
        self._peek = ffi.new("struct msghdr *")
        self.hdr_size = ffi.sizeof("struct cmsghdr")

    def pending_length(self, flags: int = 0) -> int:
        """The true length of the next datagram, left queued (MSG_PEEK|MSG_TRUNC into an empty buffer)."""
        m = self._peek
        m.msg_name = ffi.NULL
        m.msg_namelen = 0
        m.msg_iov = ffi.NULL
        m.msg_iovlen = 0
        m.msg_control = ffi.NULL
        m.msg_controllen = 0
        m.msg_flags = 0
        n: int = _check(lib.recvmsg(self.fd, m, flags | lib.MSG_PEEK | lib.MSG_TRUNC), "recvmsg")
        return n

    def recv_whole(self, flags: int = 0) -> Received:
        """The next datagram whole, however large: its length is peeked first (as iproute2's rtnl_recvmsg does).

        A datagram larger than this receiver's buffer is read into one of its
        own size (it already sits in the socket's queue, so that much memory
        is in use anyway); the standing buffer stays as it is.
        """
        need = self.pending_length(flags)
        if need <= self.size:
            return self.recv(flags)
        return Receiver(self.fd, need).recv(flags)

    def recv(self, flags: int = 0) -> Received:
        """One datagram into this receiver's buffer: a larger one is truncated (MSG_TRUNC in msg_flags)."""
        m = self.msg
        m.msg_name = self.sa
        m.msg_namelen = _SA_LEN
        m.msg_iov = self.iov
        m.msg_iovlen = 1
        m.msg_control = self.control
        m.msg_controllen = self.CONTROL
        m.msg_flags = 0
        n = _check(lib.recvmsg(self.fd, m, flags), "recvmsg")
        got = min(n, self.size)
        r = Received(ffi.buffer(self.buf, got)[:], self.sa.nl_pid, self.sa.nl_groups, m.msg_flags, n)
        if m.msg_controllen:
            self._cmsgs(r, m.msg_controllen)
        return r

    def _cmsgs(self, r: Received, total: int) -> None:
        raw = ffi.buffer(self.control, total)[:]
        off, hs = 0, self.hdr_size
        while off + hs <= total:
            clen, level, ctype = struct.unpack_from("@Nii", raw, off)  # cmsghdr: native size_t
            if clen < hs:
                break
            data = raw[off + hs: off + clen]
            if level == lib.SOL_NETLINK and ctype == lib.NETLINK_PKTINFO and len(data) >= 4:
                r.pktinfo_group = struct.unpack_from("=I", data)[0]
            elif level == lib.SOL_NETLINK and ctype == lib.NETLINK_LISTEN_ALL_NSID and len(data) >= 4:
                r.nsid = struct.unpack_from("=i", data)[0]
            elif level == lib.SOL_SOCKET and ctype == lib.SCM_CREDENTIALS and len(data) >= 12:
                r.creds = struct.unpack_from("=iII", data)
            off += lib.np_cmsg_space(clen - hs)


def setsockopt_int(fd: int, level: int, name: int, value: int) -> None:
    """setsockopt(2) with an int value."""
    v = ffi.new("int *", value)
    _check(lib.setsockopt(fd, level, name, v, ffi.sizeof("int")), "setsockopt")


def setsockopt_bytes(fd: int, level: int, name: int, value: bytes) -> None:
    """Any option value, e.g. one shorter than an int."""
    buf = ffi.new("char[]", max(len(value), 1))
    ffi.memmove(buf, value, len(value))
    _check(lib.setsockopt(fd, level, name, buf, len(value)), "setsockopt")


def getsockopt_int(fd: int, level: int, name: int) -> int:
    """getsockopt(2) of an int option."""
    v = ffi.new("int *")
    ln = ffi.new("socklen_t *", ffi.sizeof("int"))
    _check(lib.getsockopt(fd, level, name, v, ln), "getsockopt")
    out: int = v[0]
    return out


def getsockopt_bytes(fd: int, level: int, name: int, size: int) -> tuple[bytes, int]:
    """(the bytes the kernel wrote, the length it reported) — they differ for LIST_MEMBERSHIPS."""
    buf = ffi.new("char[]", max(size, 1))
    ln = ffi.new("socklen_t *", size)
    _check(lib.getsockopt(fd, level, name, buf if size else ffi.NULL, ln), "getsockopt")
    return ffi.buffer(buf, min(size, ln[0]))[:], ln[0]


def poll_in(fd: int, timeout_ms: int) -> int:
    """poll(2) for input, retried on EINTR: revents, 0 when *timeout_ms* passed with nothing to read."""
    p = ffi.new("struct pollfd *")
    p.fd = fd
    p.events = lib.POLLIN
    while True:
        n = lib.poll(p, 1, timeout_ms)
        if n >= 0:
            return p.revents if n else 0
        if ffi.errno != 4:  # EINTR: retry
            _check(n, "poll")


def setns(fd: int, nstype: int = 0) -> None:
    """setns(2): move the calling thread into the namespace *fd* refers to."""
    _check(lib.setns(fd, nstype), "setns")


def unshare(flags: int) -> None:
    """unshare(2): new namespaces (CLONE_NEW*) for the calling thread."""
    _check(lib.unshare(flags), "unshare")


def prctl(option: int, a2: int = 0, a3: int = 0, a4: int = 0, a5: int = 0) -> int:
    """prctl(2) (PR_CAPBSET_READ, PR_SET_KEEPCAPS, ...); its non-negative result."""
    return _check(lib.prctl(option, a2, a3, a4, a5), "prctl")


def setgroups(groups: list[int]) -> None:
    """setgroups(2): the supplementary groups (an empty list drops them all)."""
    arr = ffi.new("gid_t[]", groups or [0])
    _check(lib.setgroups(len(groups), arr), "setgroups")


def setresuid(r: int, e: int, s: int) -> None:
    """setresuid(2): real, effective and saved uid."""
    _check(lib.setresuid(r, e, s), "setresuid")


def setresgid(r: int, e: int, s: int) -> None:
    """setresgid(2): real, effective and saved gid."""
    _check(lib.setresgid(r, e, s), "setresgid")


def capget() -> tuple[int, int, int]:
    """(effective, permitted, inheritable) as 64-bit masks."""
    hdr = ffi.new("struct __user_cap_header_struct *")
    hdr.version = lib._LINUX_CAPABILITY_VERSION_3
    data = ffi.new("struct __user_cap_data_struct[2]")
    _check(lib.np_capget(hdr, data), "capget")
    return tuple(getattr(data[0], f) | (getattr(data[1], f) << 32) for f in ("effective", "permitted", "inheritable"))


def capset(effective: int, permitted: int, inheritable: int = 0) -> None:
    """capset(2) of this thread's capability sets, given as 64-bit masks."""
    hdr = ffi.new("struct __user_cap_header_struct *")
    hdr.version = lib._LINUX_CAPABILITY_VERSION_3
    data = ffi.new("struct __user_cap_data_struct[2]")
    for i in (0, 1):
        data[i].effective = (effective >> (32 * i)) & 0xFFFFFFFF
        data[i].permitted = (permitted >> (32 * i)) & 0xFFFFFFFF
        data[i].inheritable = (inheritable >> (32 * i)) & 0xFFFFFFFF
    _check(lib.np_capset(hdr, data), "capset")


__all__ = ["Received", "Receiver", "bind", "capget", "capset", "close", "connect", "getpeername", "getsockname",
           "getsockopt_bytes", "getsockopt_int", "poll_in", "prctl", "sendmsg", "sendto", "setgroups", "setns",
           "setresgid", "setresuid", "setsockopt_bytes", "setsockopt_int", "sockaddr_nl", "socket", "unshare"]
