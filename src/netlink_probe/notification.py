"""What arrives unasked: the kernel's multicast notifications, and datagrams from user ports.

`Socket.notifications` yields `Notification`s (from the kernel, port 0) and,
only when asked, `UserDatagram`s (from any other port: raw, never decoded).
"""
from __future__ import annotations

from dataclasses import dataclass

from . import codec

__all__ = ["Notification", "UserDatagram"]


@dataclass
class Notification:
    """A multicast message with where it came from."""

    message: codec.Message
    group: int | None  # from NETLINK_PKTINFO (the only source for groups above 32)
    src_groups: int  # sockaddr nl_groups: the group bit for groups 1..32, 0 above
    nsid: int | None  # LISTEN_ALL_NSID cmsg: the id of the namespace it came from; None when the kernel sent none
    #                   (netlink_cmsg_listen_all_nsid: only when that namespace has an id here, so usually not local)
    src_pid: int  # always 0: only the kernel sends notifications


@dataclass(frozen=True)
class UserDatagram:
    """A datagram from a user port, handed over raw to a caller that asked for them (never decoded here).

    Any socket in the namespace allowed to send (CAP_NET_ADMIN over it) can
    forge any bytes: treat ``data`` as untrusted input.
    """

    data: bytes
    src_pid: int  # the sender's port id
    src_groups: int  # the group bit it was sent to (1..32), 0 for a unicast
    group: int | None  # NETLINK_PKTINFO's group (0 for a unicast) when that option is on, else None
    length: int  # its true length (more than len(data) only when truncated)
