"""Waiting for the kernel's asynchronous link state (linkwatch) before two views of a link are compared.

Carrier and operstate are set by linkwatch_event() from a work queue, up to a
second after the change (sooner on newer kernels, later in a slow guest): two
readers that look at different moments see different flags and operstates.
"""
from __future__ import annotations

import time
from typing import Any

from netlink_probe import constants as C
from netlink_probe import rtnl
from netlink_probe.codec import layouts as L

__all__ = ["settle"]


def _state(r: rtnl.Rtnl) -> list[tuple[Any, ...]]:
    return [(h.ifi_index, h.ifi_flags, m.attrs(L.IFINFOMSG.size).u8(C.IFLA_OPERSTATE), h.ifi_type)
            for m in r.dump("links") for h in [m.header(L.IFINFOMSG)]]


def _linkwatch_done(links: list[tuple[Any, ...]]) -> bool:
    return all(oper != C.IF_OPER_UNKNOWN for _, flags, oper, kind in links
               if flags & C.IFF_UP and kind != C.ARPHRD_LOOPBACK)


def settle(r: rtnl.Rtnl, timeout: float = 10.0) -> None:
    """Wait until linkwatch has given every up link (lo aside) an operstate and flags stop changing."""
    deadline = time.monotonic() + timeout
    before = _state(r)
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = _state(r)
        if now == before and _linkwatch_done(now):
            return
        before = now
