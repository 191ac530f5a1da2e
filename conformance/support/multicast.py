"""Multicast groups seen from user space: group bitmaps, /proc/net/netlink, a notification listener."""
from __future__ import annotations

import os
from collections.abc import Iterable

from netlink_probe import NetNS, Socket
from netlink_probe import constants as C

__all__ = ["group_bit", "groups_to_words", "listener", "proc_net_netlink", "proc_net_netlink_groups", "words_to_groups"]


def listener(netns: NetNS, *, bind: bool = True, pktinfo: bool = True, timeout: float = 0.3) -> Socket:
    """A NETLINK_ROUTE socket for notifications (PKTINFO on: each datagram names its group)."""
    return Socket(C.NETLINK_ROUTE, netns=netns, bind=bind, pktinfo=pktinfo, timeout=timeout)


def proc_net_netlink(ns: NetNS) -> list[dict[str, str]]:
    """The rows of /proc/net/netlink read inside *ns* (netlink_seq_show: one per socket), keyed by its header."""
    def read() -> list[dict[str, str]]:
        with open("/proc/thread-self/net/netlink") as f:
            rows = f.read().splitlines()
        head = rows[0].split()
        return [dict(zip(head, row.split())) for row in rows[1:]]

    return ns.run(read)


def proc_net_netlink_groups(ns: NetNS, fd: int) -> str | None:
    """The Groups column of /proc/net/netlink for the socket *fd* (matched by inode), read inside *ns*."""
    ino = str(os.fstat(fd).st_ino)
    return next((row["Groups"] for row in proc_net_netlink(ns) if row.get("Inode") == ino), None)


def group_bit(group: int) -> int:
    """The bit of *group* (1-based) in a 32-bit nl_groups mask."""
    return 1 << (group - 1)


def words_to_groups(words: Iterable[int]) -> set[int]:
    """NETLINK_LIST_MEMBERSHIPS' u32 words -> the group numbers set in them."""
    return {i * 32 + b + 1 for i, w in enumerate(words) for b in range(32) if w >> b & 1}


def groups_to_words(groups: Iterable[int], nwords: int) -> list[int]:
    """Group numbers -> the u32 words NETLINK_LIST_MEMBERSHIPS would write."""
    words = [0] * nwords
    for g in groups:
        words[(g - 1) // 32] |= 1 << ((g - 1) % 32)
    return words
