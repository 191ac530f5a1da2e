"""The methods the harness's dump workloads share, each run in a measured child process (bench/harness.py).

Every ``*_dump`` function opens its socket inside the namespace at *nspath*
first, then times one dump and what the caller reads of each object, and
returns (seconds, objects read):

  lazy      netlink_probe's per-message API (`Rtnl.dump`, `Message`/`Attrs`)
  columns   the bulk decoder (`Dump.columns`)
  pyroute2  IPRoute's getter, reading the same fields
  kernel    recv and discard to NLMSG_DONE: the least any client can do
"""
from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable
from typing import Any

from netlink_probe import rtnl
from netlink_probe import constants as C
from netlink_probe.netns import entered

_HDR = struct.Struct("=IHHII")


def ip(*words: str) -> Callable[[str, int], list[str]]:
    """The argv of ``ip WORDS`` run inside the namespace (nsenter), for `harness.Method.argv`."""
    return lambda nspath, n: ["nsenter", f"--net={nspath}", "ip", *words]


def lazy_dump(nspath: str, what: str, read: Callable[[Any], Any], family: int = C.AF_UNSPEC) -> tuple[float, int]:
    """One lazy dump of *what*, *read*(message) for each data message."""
    with rtnl.Rtnl(nspath, ext_ack=False) as r:
        t0 = time.perf_counter()
        out = [read(m) for m in r.dump(what, family) if m.type >= C.NLMSG_MIN_TYPE]
        return time.perf_counter() - t0, len(out)


def columns_dump(nspath: str, what: str, names: tuple[str, ...], family: int = C.AF_UNSPEC) -> tuple[float, int]:
    """One bulk-decoded dump of *what*: the *names* columns, zipped into tuples (as route_dump.py does)."""
    with rtnl.Rtnl(nspath, ext_ack=False) as r:
        t0 = time.perf_counter()
        cols = r.dump(what, family).columns(*names)
        out = list(zip(*(cols[n] for n in names)))
        return time.perf_counter() - t0, len(out)


def pyroute2_dump(nspath: str, get: Callable[[Any], Any], read: Callable[[Any], Any]) -> tuple[float, int]:
    """*get*(IPRoute()) -> messages, *read*(message) each; the IPRoute socket made inside the namespace."""
    from pyroute2 import IPRoute

    with entered(nspath):
        ipr = IPRoute()
    try:
        t0 = time.perf_counter()
        out = [read(m) for m in get(ipr)]
        return time.perf_counter() - t0, len(out)
    finally:
        ipr.close()


def kernel_dump(nspath: str, what: str, family: int = C.AF_UNSPEC) -> tuple[float, int]:
    """recv and discard one dump of *what* (a plain socket); the count is the bytes received."""
    req = rtnl.dump_request(what, family)
    with entered(nspath):
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, C.NETLINK_ROUTE)
    try:
        s.bind((0, 0))
        port = s.getsockname()[0]
        msg = _HDR.pack(16 + len(req.payload), req.type, C.NLM_F_REQUEST | C.NLM_F_DUMP, 7, port) + req.payload
        buf = bytearray(64 * 1024)
        view = memoryview(buf)
        t0 = time.perf_counter()
        s.send(msg)
        total = 0
        while True:
            n = s.recv_into(buf)
            total += n
            if n >= 20 and _HDR.unpack_from(view, n - 20)[1] == C.NLMSG_DONE:
                break
            if n >= 16 and _HDR.unpack_from(view, 0)[1] == C.NLMSG_ERROR:
                raise SystemExit(f"kernel method: the {what} dump failed")
        return time.perf_counter() - t0, total
    finally:
        s.close()


__all__ = ["columns_dump", "ip", "kernel_dump", "lazy_dump", "pyroute2_dump"]
