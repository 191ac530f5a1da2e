"""Harness workload ``links``: a dump of N veth pairs (2N links, each with IFLA_LINKINFO), read 4 fields a link.

Fields: ifindex, name, MTU and the kind from the IFLA_LINKINFO nest (columns: ifindex, name, MTU -- the
bulk decoder reads no nests).  ``ip`` is ``ip -d link show`` (it prints the linkinfo), whole process.
"""
from __future__ import annotations

from typing import Any

from harness import Method
from methods import columns_dump, ip, kernel_dump, lazy_dump, pyroute2_dump

from netlink_probe import NetNS, Socket, rtnl
from netlink_probe import constants as C
from netlink_probe.batch import EACH, run_batch
from netlink_probe.codec import layouts as L

UNIT = "veth pairs"
SIZES = {"full": 1000, "quick": 100}


def setup(ns: NetNS, n: int) -> None:
    """N veth pairs vNa/vNb, created pipelined (netlink_probe.batch)."""
    with Socket(C.NETLINK_ROUTE, netns=ns) as s:
        run_batch(s, (rtnl.new_link(f"v{i}a", "veth", rtnl.veth_peer(f"v{i}b")) for i in range(n)),
                  acks=EACH, per_datagram=64).check()


def methods(quick: bool) -> dict[str, Method]:
    return {"ip": Method(argv=ip("-d", "link", "show"), note="ip -d link show"),
            "pyroute2": Method(python="pyroute2"), "lazy": Method(python="lazy"),
            "columns": Method(python="columns", note="no nest: kind not read"), "kernel": Method(python="kernel")}


def _read(m: Any) -> tuple[Any, ...]:
    a = m.attrs(L.IFINFOMSG.size)
    info = a.nested(C.IFLA_LINKINFO)
    return (m.header(L.IFINFOMSG).ifi_index, a.str(C.IFLA_IFNAME), a.u32(C.IFLA_MTU),
            info.str(C.IFLA_INFO_KIND) if info is not None else None)


def run_lazy(nspath: str, n: int) -> tuple[float, int]:
    return lazy_dump(nspath, "links", _read)


def run_columns(nspath: str, n: int) -> tuple[float, int]:
    return columns_dump(nspath, "links", ("ifi_index", "IFLA_IFNAME", "IFLA_MTU"))


def run_pyroute2(nspath: str, n: int) -> tuple[float, int]:
    return pyroute2_dump(nspath, lambda ipr: ipr.get_links(), lambda m: (
        m["index"], m.get("ifname"), m.get("mtu"), m.get(("linkinfo", "kind"))))


def run_kernel(nspath: str, n: int) -> tuple[float, int]:
    return kernel_dump(nspath, "links")
