"""What the kernel answers, per netlink protocol: socket(), NLMSG_NOOP to port 0, the group range.

Everything expensive is computed once per process (functools.cache), in fresh
namespaces where it could change anything, and the parametrized tests only
read the cached answers.  socket() and ADD_MEMBERSHIP are probed by
netlink_probe.kernel_info, the same code `netlink-probe kernel-info` reports with.
"""
from __future__ import annotations

import functools
import os
import socket as _pysocket
from dataclasses import dataclass

from netlink_probe import NetlinkTimeout, NetNS, Socket
from netlink_probe import constants as C
from netlink_probe import genl, kernel_info
from netlink_probe.codec import control
from netlink_probe.errors import errno_name
from netlink_probe.kernel_info import MAX_LINKS, socket_outcome

__all__ = ["GROUP_PROBE_LIMIT", "HOST_NETNS_INODE", "MAX_LINKS", "NEGATIVE_PROTOCOLS", "NOOP_SILENCE",
           "PROTOCOL_NUMBERS", "SOCKET_TYPES", "GroupRange", "genl_groups", "group_ranges", "netns_inode",
           "noop_table", "noop_to_kernel", "open_protocols", "protocol_key", "protocol_name", "socket_outcome",
           "socket_table", "socket_table_fresh_netns"]

PROTOCOL_NUMBERS = tuple(range(0, MAX_LINKS + 2))  # 0..33: every slot of nl_table and the first two past it
NEGATIVE_PROTOCOLS = (-1, -2, -(2 ** 31))  # through libc's socket(): Python's socket module would map -1 to 0
# Socket types: the values are libc's (Python's socket module), the names the kernel's.
SOCKET_TYPES = {"SOCK_STREAM": C.SOCK_STREAM, "SOCK_DGRAM": C.SOCK_DGRAM, "SOCK_RAW": C.SOCK_RAW,
                "SOCK_RDM": _pysocket.SOCK_RDM, "SOCK_SEQPACKET": C.SOCK_SEQPACKET}
NOOP_SILENCE = 0.3  # seconds of silence that count as "no answer"
GROUP_PROBE_LIMIT = 1 << 16  # ADD_MEMBERSHIP probing stops here even if the kernel kept accepting


def protocol_name(number: int) -> str:
    """The kernel macro name (NETLINK_ROUTE ...) or NETLINK_<n> for a number the headers do not name."""
    return C.PROTOCOLS.get(number, f"NETLINK_{number}")


def protocol_key(number: int) -> str:
    """The name in observation keys: the kernel macro name (NETLINK_ROUTE), else the number."""
    return C.PROTOCOLS.get(number, str(number))


def netns_inode() -> int:
    return os.stat("/proc/thread-self/ns/net").st_ino


HOST_NETNS_INODE = netns_inode()  # the namespace this process started in: never changed by these tests


# -- socket() -----------------------------------------------------------------------------------
@functools.cache
def socket_table() -> dict[int, str]:
    """socket() outcome for every probed protocol number in the namespace this process started in."""
    return kernel_info.open_protocols(PROTOCOL_NUMBERS + NEGATIVE_PROTOCOLS)


@functools.cache
def socket_table_fresh_netns() -> dict[int, str]:
    with NetNS.create() as ns:
        return ns.run(lambda: kernel_info.open_protocols(PROTOCOL_NUMBERS + NEGATIVE_PROTOCOLS))


@functools.cache
def open_protocols() -> tuple[int, ...]:
    """The protocol numbers whose socket() succeeds on this kernel (may load modules on distro kernels)."""
    return tuple(n for n in PROTOCOL_NUMBERS if socket_table()[n] == "ok")


# -- NLMSG_NOOP to the kernel -----------------------------------------------------------------------
def noop_to_kernel(protocol: int, netns: NetNS | None = None) -> str:
    """Send NLMSG_NOOP|NLM_F_REQUEST|NLM_F_ACK to port 0: 'ack', an errno name, or 'silent'.

    An errno raised by sendto() itself (ECONNREFUSED when port 0 has no kernel
    socket or one without an input callback) is returned as it is.
    """
    with Socket(protocol, netns=netns, timeout=NOOP_SILENCE) as s:
        try:
            s.send_message(C.NLMSG_NOOP, C.NLM_F_REQUEST | C.NLM_F_ACK)
        except OSError as e:
            return errno_name(e.errno or 0)
        try:
            r, msgs = s.recv_messages(NOOP_SILENCE)
        except NetlinkTimeout:
            return "silent"
        for m in msgs:
            if m.type == C.NLMSG_ERROR and r.src_pid == 0:
                info = control.parse_error(m)
                return "ack" if info.error == 0 else errno_name(-info.error)
        return "unexpected:" + ",".join(m.type_name for m in msgs)


@functools.cache
def noop_table() -> dict[int, tuple[str, str]]:
    """protocol -> (answer in the initial namespace, answer in a fresh namespace)."""
    out = {}
    with NetNS.create() as ns:
        for p in open_protocols():
            out[p] = (noop_to_kernel(p), noop_to_kernel(p, ns))
    return out


# -- the multicast group range ------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupRange:
    max: int  # the largest group ADD_MEMBERSHIP accepts (as root)
    zero: str  # ADD_MEMBERSHIP of group 0
    max_plus_1: str
    list_len: int  # NETLINK_LIST_MEMBERSHIPS' reported length with every group joined
    list_words: tuple[int, ...]  # the u32 words it wrote (buffer large enough)


def _group_range(protocol: int) -> GroupRange:
    g = kernel_info.group_range(protocol, cap=GROUP_PROBE_LIMIT, memberships=True)
    top = g["max"] or 0
    # probing stops at the first EINVAL; with no refusal below max (root), that refusal is max + 1's answer
    over = g["first_refused_errno"] if g["first_refused"] == top + 1 else "not probed"
    lm = g["list_memberships"]
    return GroupRange(top, g["group0"], over, lm["reported"], tuple(lm["words"]))


@functools.cache
def group_ranges() -> dict[int, GroupRange]:
    """For every protocol that opens: its ADD_MEMBERSHIP range, probed as root in a fresh namespace."""
    with NetNS.create() as ns:
        return ns.run(lambda: {p: _group_range(p) for p in open_protocols()})


# -- generic netlink groups ------------------------------------------------------------------------------
@functools.cache
def genl_groups() -> dict[int, tuple[str, str]]:
    """Multicast group id -> (family, group name), from the controller (CTRL_CMD_GETFAMILY dump).

    Dumped in the initial namespace (read-only): ctrl_dumpfamily hides families without .netnsok
    (drop_monitor, thermal, acpi_event, ...) from other namespaces, but genl_bind checks every family.
    """
    if C.NETLINK_GENERIC not in open_protocols():
        return {}
    return {gid: (f.name, g) for f in genl.families() for g, gid in f.groups.items()}
