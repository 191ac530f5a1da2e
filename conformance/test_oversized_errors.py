"""Errors answering requests near and over 64 KiB: netlink_ack echoes the refused request whole.

Without NETLINK_CAP_ACK the NLMSG_ERROR carries the request after the error int, so it is longer
than the socket's 64 KiB receive buffer once the request is 64 KiB - 20 bytes or more.  The socket
peeks its length (MSG_PEEK|MSG_TRUNC, as iproute2's rtnl_recvmsg does) and reads it whole: the
errno, the echoed request and the extended ack all arrive.  netlink_sendmsg accepts a datagram up
to sk_sndbuf - 32 bytes (212992 by default), so an 80 KB request goes out as one.
"""
from __future__ import annotations

import errno

import pytest

from netlink_probe import KernelError, Socket
from netlink_probe import constants as C
from netlink_probe.codec import attribute as A
from netlink_probe.codec import layouts as L
from netlink_probe.sys import calls
from netlink_probe.transport import KernelTransport

MISSING_IFINDEX = 9999
HEAD = L.IFINFOMSG.pack(ifi_index=MISSING_IFINDEX)
# rtnl_newlink parses with the liberal (deprecated) policy: types above IFLA_MAX are skipped, not refused
UNKNOWN = 0x3FF0
JUST_UNDER_64K = HEAD + A.attr(UNKNOWN, b"x" * 40000) + A.attr(UNKNOWN, b"y" * 25492)  # a 65532-byte request
OVER_64K = HEAD + A.attr(UNKNOWN, b"x" * 40000) * 2


def untapped(netns) -> Socket:
    """A socket whose transport the session's decode oracle does not tap: pyroute2 reads the echoed
    request's nlmsg_len modulo 65536, so it misdecodes an NLMSG_ERROR echoing a request over 64 KiB."""
    fd = netns.run(calls.socket, C.AF_NETLINK, C.SOCK_RAW | C.SOCK_CLOEXEC, C.NETLINK_ROUTE)
    return Socket(C.NETLINK_ROUTE, transport=KernelTransport(fd, C.NETLINK_ROUTE), timeout=2.0)


def test_refused_newlink_whose_error_exceeds_64k_reports_the_kernels_errno(netns):
    """rtnl_newlink: an unknown ifindex without NLM_F_CREATE is ENODEV; netlink_ack's answer to a 65532-byte
    request is 65552 bytes, past the 64 KiB buffer, and is read whole."""
    assert 16 + len(JUST_UNDER_64K) == 65532
    with Socket(C.NETLINK_ROUTE, netns=netns, timeout=2.0) as s, pytest.raises(KernelError) as e:
        s.request(C.RTM_NEWLINK, 0, JUST_UNDER_64K)
    assert e.value.errno == errno.ENODEV
    assert e.value.info.echo_payload == JUST_UNDER_64K and not e.value.info.truncated


def test_refused_newlink_over_64k_reports_the_kernels_errno(netns):
    """rtnl_newlink refuses an 80 KB RTM_NEWLINK for a missing ifindex with ENODEV; netlink_ack echoes all of it."""
    with untapped(netns) as s, pytest.raises(KernelError) as e:
        s.request(C.RTM_NEWLINK, 0, OVER_64K)
    assert e.value.errno == errno.ENODEV
    assert e.value.info.echo_payload == OVER_64K and not e.value.info.truncated


def test_refused_newlink_over_64k_with_cap_ack_echoes_only_the_header(netns):
    """netlink_ack with NETLINK_CAP_ACK: only the request's nlmsghdr is echoed (NLM_F_CAPPED), the same errno."""
    with Socket(C.NETLINK_ROUTE, netns=netns, timeout=2.0, cap_ack=True) as s, pytest.raises(KernelError) as e:
        s.request(C.RTM_NEWLINK, 0, OVER_64K)
    assert e.value.errno == errno.ENODEV
    assert e.value.info.capped and e.value.info.echo_payload is None
    assert e.value.info.echo_header.nlmsg_len == 16 + len(OVER_64K)
