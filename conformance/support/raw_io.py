"""Helpers for the socket-semantics tests (namespace isolation, port ids, acks, dumps, overruns).

Raw I/O on purpose: these tests look at datagram boundaries, truncation and
ancillary data, and send requests the kernel must refuse, so they read with
their own recvmsg buffer (``RawReader``) instead of `Socket.recv` (whose
transport the decode oracle taps to parse every datagram, which a deliberately
truncated datagram would upset).  Every receive is bounded by a timeout.
"""
from __future__ import annotations

import errno
import struct
import time

from netlink_probe import NetlinkTimeout, codec, rtnl
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.sys import calls

__all__ = ["HDR", "MARKER_SEQ", "RawReader", "SILENCE", "add_addresses", "add_blackhole_routes", "address_of",
           "answers", "batch", "drain", "family_dump_payload", "flat", "header", "ipv4",
           "ipv4_addresses", "link_names", "msg", "signed", "start_dump", "summary", "target_attr_link_dump"]

HDR = struct.Struct("=IHHII")
SILENCE = 0.3  # seconds of quiet that count as "no answer"


def signed(port: int) -> int:
    """A port id as the kernel's s32 autobind logic sees it."""
    return port - (1 << 32) if port >= 1 << 31 else port


def msg(mtype: int, flags: int, payload: bytes = b"", seq: int = 0, pid: int = 0) -> bytes:
    """One encoded message (header + payload + padding)."""
    return codec.encode(mtype, flags, payload, seq, pid)


def header(length: int, mtype: int, flags: int, seq: int = 0, pid: int = 0) -> bytes:
    """A bare nlmsghdr with any nlmsg_len, even one that lies."""
    return HDR.pack(length, mtype, flags, seq, pid)


class RawReader:
    """recvmsg on a socket's fd with a user buffer of exactly *size* bytes, bounded by poll()."""

    def __init__(self, fd: int, size: int = 64 * 1024):
        self.fd = fd
        self.size = size
        self._rx = calls.Receiver(fd, size)

    def recv(self, timeout: float = 2.0, flags: int = 0) -> calls.Received:
        """One datagram; NetlinkTimeout when none comes; OSError(ENOBUFS) passes through.

        A queued datagram is read before the clock is looked at: with a short *timeout* (`queued`'s
        1 ms) a slow moment between taking the deadline and polling -- common under TCG -- must not
        pass for an empty queue (it once hid a notification the kernel had queued before the ACK)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._rx.recv(flags | C.MSG_DONTWAIT)
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EINTR):
                    raise
            left = deadline - time.monotonic()
            if left <= 0 or not calls.poll_in(self.fd, max(1, int(left * 1000))):
                raise NetlinkTimeout(f"no datagram within {timeout:g} s")

    def messages(self, timeout: float = 2.0) -> tuple[calls.Received, list[codec.Message]]:
        r = self.recv(timeout)
        assert not r.truncated, f"datagram of {r.length} bytes truncated to a {self.size}-byte buffer"
        return r, codec.parse(r.data)

    def dump_datagrams(self, timeout: float = 5.0, stop=(C.NLMSG_DONE, C.NLMSG_ERROR)
                       ) -> list[tuple[calls.Received, list[codec.Message]]]:
        """Datagrams up to and including the one that holds a message of a *stop* type (DONE or ERROR)."""
        out = []
        while True:
            r, msgs = self.messages(timeout)
            out.append((r, msgs))
            if any(m.type in stop for m in msgs):
                return out


def flat(datagrams) -> list[codec.Message]:
    return [m for _, msgs in datagrams for m in msgs]


MARKER_SEQ = 0x7E57AC4B


def answers(sock, data: bytes, size: int = 64 * 1024, timeout: float = 2.0) -> list[codec.Message]:
    """Send *data* (one datagram) to the kernel on *sock*; every message that answers it.

    "Nothing" is established without waiting for silence: a second datagram, NLMSG_NOOP|NLM_F_ACK with
    MARKER_SEQ, follows.  netlink_unicast_kernel runs the family's input synchronously in the sender's
    sendmsg(), so every answer to *data* is queued before the marker's ACK; what precedes it is the answer.
    """
    sock.send(data)
    sock.send(msg(C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK, b"", MARKER_SEQ, sock.port))
    reader = RawReader(sock.fd, size)
    out: list[codec.Message] = []
    while True:
        r, msgs = reader.messages(timeout)
        if r.src_pid != 0 or r.src_groups:
            continue  # not from the kernel's unicast
        for m in msgs:
            if m.type == C.NLMSG_ERROR and m.seq == MARKER_SEQ:
                return out
            out.append(m)


def summary(messages: list[codec.Message]) -> list[tuple]:
    """(type name, seq, error) per message: NLMSG_ERROR shows its errno name ('ok' for an ACK)."""
    out: list[tuple] = []
    for m in messages:
        if m.type == C.NLMSG_ERROR:
            out.append(("ERROR", m.seq, codec.parse_error(m).errno_name))
        elif m.type == C.NLMSG_DONE:
            out.append(("DONE", m.seq, codec.parse_done(m).errno_name))
        else:
            out.append((m.type_name, m.seq))
    return out


def start_dump(sock, mtype: int, payload: bytes, seq: int = 1, flags: int = 0) -> None:
    sock.send(msg(mtype, C.NLM_F_REQUEST | C.NLM_F_DUMP | flags, payload, seq, sock.port))


def family_dump_payload(what: str, family: int = C.AF_UNSPEC) -> tuple[int, bytes]:
    req = rtnl.dump_request(what, family)
    return req.type, req.payload


# -- populating a namespace cheaply: many requests in one datagram ---------------------------------
def batch(sock, requests, *, confirm: bool = True) -> None:
    """Send every rtnl.Request in ONE datagram (netlink_rcv_skb handles them in order).

    With *confirm*, a trailing NLMSG_NOOP|NLM_F_ACK is appended and awaited: its ACK proves every
    request before it was processed; any error answer fails loudly.
    """
    parts = [msg(r.type, r.flags | C.NLM_F_REQUEST, r.payload, i + 1, sock.port) for i, r in enumerate(requests)]
    marker = 0x7A11
    if confirm:
        parts.append(msg(C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK, b"", marker, sock.port))
    data = b"".join(parts)
    sock.send(data)
    if not confirm:
        return
    reader = RawReader(sock.fd)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r, msgs = reader.messages(10)
        if r.src_pid != 0 or r.src_groups:
            continue
        for m in msgs:
            if m.type == C.NLMSG_ERROR:
                err = codec.parse_error(m)
                assert err.error == 0, f"batched request seq {m.seq} failed: {err.errno_name} {err.extack}"
                if m.seq == marker:
                    return
    raise AssertionError("the batch's closing NLMSG_NOOP was never acknowledged")


def ipv4(i: int, base: int = 10) -> str:
    return f"{base}.{(i >> 8) & 255}.{i & 255}.1"


def add_addresses(sock, count: int, *, base: int = 10, index: int = 1) -> list[str]:
    """*count* /32 IPv4 addresses on *index* (lo by default), in one datagram."""
    addrs = [ipv4(i, base) for i in range(count)]
    batch(sock, [rtnl.new_addr(index, a, 32) for a in addrs])
    return addrs


def add_blackhole_routes(sock, count: int, family: int = C.AF_INET) -> list[str]:
    """*count* blackhole routes (no device needed), in one datagram."""
    if family == C.AF_INET:
        dsts = [(f"10.{100 + (i >> 8)}.{i & 255}.0", 24) for i in range(count)]
    else:
        dsts = [(f"fd00:{i:x}::", 64) for i in range(count)]
    batch(sock, [rtnl.route(d, n, rtype=C.RTN_BLACKHOLE) for d, n in dsts])
    return [d for d, _ in dsts]


def address_of(m: codec.Message) -> str | None:
    """IFA_LOCAL of an IPv4 RTM_NEWADDR as dotted text."""
    v = m.attrs(L.IFADDRMSG.size).bytes(C.IFA_LOCAL)
    return ".".join(str(b) for b in v) if v is not None and len(v) == 4 else None


def ipv4_addresses(sock, **dump_kw) -> list[str | None]:
    """The IPv4 addresses a dump on *sock* lists (through the validated Socket.dump)."""
    ms = sock.dump(C.RTM_GETADDR, L.IFADDRMSG.pack(ifa_family=C.AF_INET), **dump_kw).all()
    return [address_of(m) for m in ms if m.type == C.RTM_NEWADDR]


def link_names(messages) -> list[str]:
    return [m.attrs(L.IFINFOMSG.size).str(C.IFLA_IFNAME) for m in messages if m.type == C.RTM_NEWLINK]


def target_attr_link_dump(nsid: int) -> bytes:
    return L.IFINFOMSG.pack() + A.s32(C.IFLA_TARGET_NETNSID, nsid)


def drain(reader: RawReader, quiet: float = SILENCE) -> list:
    """Everything queued (ENOBUFS included, as the string 'ENOBUFS'), until *quiet* s of silence."""
    out: list[calls.Received | str] = []
    while True:
        try:
            r = reader.recv(quiet)
        except NetlinkTimeout:
            return out
        except OSError as e:
            if e.errno == errno.ENOBUFS:
                out.append("ENOBUFS")
                continue
            raise
        out.append(r)
