"""Harness workload ``addrs``: a dump of N IPv4 addresses on one veth, read 4 fields each.

Fields: ifindex, prefix length, address (text) and label.  ``ip`` is ``ip -4 addr show``.
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

UNIT = "IPv4 addresses"
SIZES = {"full": 2_000, "quick": 500}  # ip addr show grows faster than linearly: 1k took it ~1 s here


def setup(ns: NetNS, n: int) -> None:
    """veth0 (up) with N addresses 10.x.y.z/32, installed pipelined."""
    with rtnl.Rtnl(ns) as r:
        a, b = r.add_veth("veth0", "veth1")
        r.up(a)
        r.up(b)
    with Socket(C.NETLINK_ROUTE, netns=ns) as s:
        run_batch(s, (rtnl.new_addr(a, f"10.{i >> 16 & 255}.{i >> 8 & 255}.{(i & 255) or 254}" if i & 255
                                    else f"11.{i >> 16 & 255}.{i >> 8 & 255}.1", 32) for i in range(n))).check()


def methods(quick: bool) -> dict[str, Method]:
    return {"ip": Method(argv=ip("-4", "addr", "show")), "pyroute2": Method(python="pyroute2"),
            "lazy": Method(python="lazy"), "columns": Method(python="columns"), "kernel": Method(python="kernel")}


def _read(m: Any) -> tuple[Any, ...]:
    h = m.header(L.IFADDRMSG)
    a = m.attrs(L.IFADDRMSG.size)
    addr = a.get(C.IFA_ADDRESS)
    return h.ifa_index, h.ifa_prefixlen, ip_text(addr) if addr is not None else None, a.str(C.IFA_LABEL)


def run_lazy(nspath: str, n: int) -> tuple[float, int]:
    return lazy_dump(nspath, "addrs", _read, C.AF_INET)


def run_columns(nspath: str, n: int) -> tuple[float, int]:
    return columns_dump(nspath, "addrs", ("ifa_index", "ifa_prefixlen", "IFA_ADDRESS", "IFA_LABEL"), C.AF_INET)


def run_pyroute2(nspath: str, n: int) -> tuple[float, int]:
    import socket
    return pyroute2_dump(nspath, lambda ipr: ipr.get_addr(family=socket.AF_INET), lambda m: (
        m["index"], m["prefixlen"], m.get("address"), m.get("label")))


def run_kernel(nspath: str, n: int) -> tuple[float, int]:
    return kernel_dump(nspath, "addrs", C.AF_INET)
