"""Harness workload ``install``: N IPv4 /32 routes installed in a fresh namespace, each method its own.

  ip            ``ip -batch FILE`` of N ``route add A/32 dev veth0`` lines, whole process (one request, one
                ACK at a time)
  batch_errors  `netlink_probe.batch.run_batch`, acks=ERRORS: 512 requests a datagram, answers only for
                failures, a NOOP barrier per datagram (requests built from a generator, inside the timing)
  batch_each    the same with acks=EACH: NLM_F_ACK on every request
  pyroute2      ``IPRoute().route("add", ...)`` in a loop, at 1/SCALE of N, times SCALE
"""
from __future__ import annotations

import os
import struct
import tempfile
import time

from harness import Method

from netlink_probe import NetNS, Socket, rtnl
from netlink_probe import constants as C
from netlink_probe.batch import EACH, ERRORS, run_batch
from netlink_probe.codec import layouts as L
from netlink_probe.netns import entered

UNIT = "IPv4 routes installed"
SIZES = {"full": 100_000, "quick": 10_000}
FRESH = True  # every measurement in a namespace of its own
BASE = 0x0A000001  # 10.0.0.1 upward


def _dst(i: int) -> str:
    a = BASE + i
    return f"{a >> 24}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}"


def setup(ns: NetNS, n: int) -> None:
    """veth0/veth1, up."""
    with rtnl.Rtnl(ns) as r:
        a, b = r.add_veth("veth0", "veth1")
        r.up(a)
        r.up(b)


def _ip_batch(nspath: str, n: int) -> list[str]:
    path = os.path.join(tempfile.gettempdir(), f"np-bench-ip-batch-{n}.txt")
    if not os.path.exists(path):
        with open(path + ".tmp", "w") as f:
            f.writelines(f"route add {_dst(i)}/32 dev veth0\n" for i in range(n))
        os.replace(path + ".tmp", path)
    return ["nsenter", f"--net={nspath}", "ip", "-batch", path]


def methods(quick: bool) -> dict[str, Method]:
    scale = 10 if quick else 50
    return {"ip": Method(argv=_ip_batch, note="ip -batch"), "batch_errors": Method(python="errors"),
            "batch_each": Method(python="each"),
            "pyroute2": Method(python="pyroute2", scale=scale, note=f"1/{scale} of N, time x{scale}")}


def _run(nspath: str, n: int, acks: str) -> tuple[float, int]:
    with Socket(C.NETLINK_ROUTE, netns=nspath) as s:
        oif = rtnl.Rtnl.__new__(rtnl.Rtnl)
        oif.sock = s
        ifindex = oif.link_index("veth0")
        # the request ip sends for "route add A/32 dev veth0" (scope link, proto boot, main table)
        fixed = L.RTMSG.pack(rtm_family=C.AF_INET, rtm_dst_len=32, rtm_table=C.RT_TABLE_MAIN,
                             rtm_protocol=C.RTPROT_BOOT, rtm_scope=C.RT_SCOPE_LINK, rtm_type=C.RTN_UNICAST)
        dst_hdr, tail = struct.pack("=HH", 8, C.RTA_DST), struct.pack("=HHI", 8, C.RTA_OIF, ifindex)
        flags = C.NLM_F_CREATE | C.NLM_F_EXCL
        t0 = time.perf_counter()
        res = run_batch(s, ((C.RTM_NEWROUTE, flags, fixed + dst_hdr + (BASE + i).to_bytes(4, "big") + tail)
                            for i in range(n)), acks=acks)
        t = time.perf_counter() - t0
        res.check()
        return t, res.sent


def run_errors(nspath: str, n: int) -> tuple[float, int]:
    return _run(nspath, n, ERRORS)


def run_each(nspath: str, n: int) -> tuple[float, int]:
    return _run(nspath, n, EACH)


def run_pyroute2(nspath: str, n: int) -> tuple[float, int]:
    from pyroute2 import IPRoute

    with entered(nspath):
        ipr = IPRoute()
    try:
        oif = ipr.link_lookup(ifname="veth0")[0]
        t0 = time.perf_counter()
        for i in range(n):
            ipr.route("add", dst=f"{_dst(i)}/32", oif=oif, scope=C.RT_SCOPE_LINK)
        return time.perf_counter() - t0, n
    finally:
        ipr.close()
