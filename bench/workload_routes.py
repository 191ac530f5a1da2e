"""Harness workload ``routes``: the IPv4 route dump of bench/route_dump.py (its set-up and its methods).

route_dump.py is imported, not copied: N /32 routes through a veth; 4 fields a route (dst as text,
dst_len, oif, priority).  ``ip`` is ``ip route show``.
"""
from __future__ import annotations

import gc
import time

import route_dump
from harness import Method
from methods import ip

from netlink_probe import NetNS

UNIT = "IPv4 routes"
SIZES = {"full": 100_000, "quick": 10_000}


def setup(ns: NetNS, n: int) -> None:
    route_dump.install_routes(ns, n)


def methods(quick: bool) -> dict[str, Method]:
    return {"ip": Method(argv=ip("route", "show")), "pyroute2": Method(python="pyroute2"),
            "lazy": Method(python="lazy"), "columns": Method(python="columns"), "kernel": Method(python="kernel")}


def _timed(cls: type, nspath: str, n: int) -> tuple[float, int]:
    ns = NetNS.open(nspath)
    o = cls(ns)
    try:
        gc.collect()
        t0 = time.perf_counter()
        o(n)  # route_dump's methods time themselves and check the count; the total is timed here alike
        return time.perf_counter() - t0, n
    finally:
        o.close()
        ns.close()


def run_lazy(nspath: str, n: int) -> tuple[float, int]:
    return _timed(route_dump.NetlinkProbe, nspath, n)


def run_columns(nspath: str, n: int) -> tuple[float, int]:
    return _timed(route_dump.NetlinkProbeColumns, nspath, n)


def run_pyroute2(nspath: str, n: int) -> tuple[float, int]:
    return _timed(route_dump.Pyroute2, nspath, n)


def run_kernel(nspath: str, n: int) -> tuple[float, int]:
    return _timed(route_dump.Kernel, nspath, n)
