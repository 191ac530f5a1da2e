"""Harness workload ``neigh``: a dump of N permanent IPv4 neighbours on one veth, read 4 fields each.

Fields: ifindex, state, destination (text) and link-layer address.  ``ip`` is ``ip neigh show``.
"""
from __future__ import annotations

from typing import Any

from harness import Method
from methods import columns_dump, ip, kernel_dump, lazy_dump, pyroute2_dump

from netlink_probe import NetNS, Socket, rtnl
from netlink_probe import constants as C
from netlink_probe.batch import run_batch
from netlink_probe.codec import layouts as L
from netlink_probe.codec.values import ip as ip_text

UNIT = "neighbours"
SIZES = {"full": 10_000, "quick": 1_000}


def setup(ns: NetNS, n: int) -> None:
    """veth0 (up, 10.0.0.1/8) and N PERMANENT neighbours 10.1.x.y on it, installed pipelined."""
    with rtnl.Rtnl(ns) as r:
        a, b = r.add_veth("veth0", "veth1")
        r.up(a)
        r.up(b)
        r.do(rtnl.new_addr(a, "10.0.0.1", 8))
    with Socket(C.NETLINK_ROUTE, netns=ns) as s:
        run_batch(s, (rtnl.neigh(a, f"10.1.{i >> 8 & 255}.{i & 255}" if i < 65536 else f"10.2.{i >> 8 & 255}.{i & 255}",
                                 f"02:00:00:00:{i >> 8 & 255:02x}:{i & 255:02x}") for i in range(n))).check()


def methods(quick: bool) -> dict[str, Method]:
    return {"ip": Method(argv=ip("neigh", "show")), "pyroute2": Method(python="pyroute2"),
            "lazy": Method(python="lazy"), "columns": Method(python="columns"), "kernel": Method(python="kernel")}


def _read(m: Any) -> tuple[Any, ...]:
    h = m.header(L.NDMSG)
    a = m.attrs(L.NDMSG.size)
    dst = a.get(C.NDA_DST)
    ll = a.get(C.NDA_LLADDR)
    return h.ndm_ifindex, h.ndm_state, ip_text(dst) if dst is not None else None, ll.hex(":") if ll is not None else None


def run_lazy(nspath: str, n: int) -> tuple[float, int]:
    return lazy_dump(nspath, "neigh", _read, C.AF_INET)


def run_columns(nspath: str, n: int) -> tuple[float, int]:
    return columns_dump(nspath, "neigh", ("ndm_ifindex", "ndm_state", "NDA_DST", "NDA_LLADDR"), C.AF_INET)


def run_pyroute2(nspath: str, n: int) -> tuple[float, int]:
    import socket
    return pyroute2_dump(nspath, lambda ipr: ipr.get_neighbours(family=socket.AF_INET), lambda m: (
        m["ifindex"], m["state"], m.get("dst"), m.get("lladdr")))


def run_kernel(nspath: str, n: int) -> tuple[float, int]:
    return kernel_dump(nspath, "neigh", C.AF_INET)
