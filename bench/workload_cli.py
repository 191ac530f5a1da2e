"""Harness workload ``cli``: the routes of a namespace printed as JSON by whole processes, wall time and peak RSS.

  ip          ``ip -j route show``
  cli         ``python -m netlink_probe dump routes --json``
  cli_lines   the same with ``--json-lines`` (one object per line)
  python      ``python3 -c pass``: the interpreter's start-up alone, the floor of any Python command
  pyroute2    a script: ``IPRoute().get_routes()`` written with json.dump (at 1/SCALE of N, time x SCALE)
"""
from __future__ import annotations

import sys

import route_dump
from harness import Method

from netlink_probe import NetNS

UNIT = "IPv4 routes"
SIZES = {"full": 100_000, "quick": 10_000}
_PYROUTE2 = ("import json, socket, sys\nfrom pyroute2 import IPRoute\nwith IPRoute() as ipr:\n"
             "    json.dump([dict(m['attrs'], dst_len=m['dst_len']) for m in ipr.get_routes(family=socket.AF_INET)],"
             " sys.stdout, default=str)\n")


def setup(ns: NetNS, n: int) -> None:
    route_dump.install_routes(ns, n)


def methods(quick: bool) -> dict[str, Method]:
    py = sys.executable
    return {"ip": Method(argv=lambda p, n: ["nsenter", f"--net={p}", "ip", "-j", "route", "show"],
                         note="ip -j route show"),
            "cli": Method(argv=lambda p, n: [py, "-m", "netlink_probe", "dump", "routes", "--json", "--netns", p],
                          note="dump routes --json"),
            "cli_lines": Method(argv=lambda p, n: [py, "-m", "netlink_probe", "dump", "routes", "--json-lines",
                                                   "--netns", p], note="dump routes --json-lines"),
            "python": Method(argv=lambda p, n: [py, "-c", "pass"], note="interpreter start-up only"),
            "pyroute2": Method(argv=lambda p, n: ["nsenter", f"--net={p}", py, "-c", _PYROUTE2],
                               scale=1 if quick else 10, note="" if quick else "1/10 of N, time x10")}
