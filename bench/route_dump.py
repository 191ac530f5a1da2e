#!/usr/bin/env python3
"""Decoded IPv4 route dump: netlink_probe vs `ip route show` vs pyroute2, in one run.

    sudo python3 bench/route_dump.py [--routes 10000,100000] [--rounds 5] [--methods ...] [--profile] [--rss]

For each table size N: a fresh network namespace gets a veth pair (up) and N
/32 routes through it (RTM_NEWROUTE pipelined, 512 requests per datagram, no
per-request ACK), then, interleaved over the rounds (the order rotates each
round), one dump of the IPv4 routes is timed with each method:

  ip           `nsenter --net=NS ip route show > /dev/null` (whole process, as a user runs it)
  pyroute2     IPRoute().get_routes(family=AF_INET), reading dst, dst_len, oif, priority of each
  netlink_probe Socket.dump(RTM_GETROUTE) iterated: each Message's header(RTMSG).rtm_dst_len and its
               attrs(): ip(RTA_DST) (text, like pyroute2), u32(RTA_OIF), u32(RTA_PRIORITY)
  np_columns   Socket.dump(RTM_GETROUTE).columns(...): the bulk decoder (one C scan per datagram)
               for the same 4 fields, taken as handed out (arrays=True: integer columns as arrays,
               the address column formatted when read), counted with array methods
  np_gc_off    the netlink_probe method with Python's cyclic GC disabled around it (diagnostic:
               the share of GC passes over a heap of 100k+ new objects)
  kernel       recv and discard: a plain socket reading the dump's datagrams to NLMSG_DONE

A full gc.collect() precedes every timing (outside it).  Medians over the rounds; ratios are taken within each round and their median
printed.  Python methods are timed around the dump only (sockets are opened
before).  --methods picks a subset (ip is always run: the ratios need it).
--profile runs cProfile over the netlink_probe method at the largest N and
prints the hot spots.  --rss runs, at the largest N, `ip route show` and a
fresh interpreter doing the netlink_probe method's dump (streamed: the 4
fields of each route read, not kept) and prints each one's peak RSS
(interpreter and imports included).  Not a test: run it as its own command.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))

from netlink_probe import NetNS, Socket, rtnl  # noqa: E402
from netlink_probe import constants as C  # noqa: E402
from netlink_probe.codec import layouts as L  # noqa: E402
from netlink_probe.netns import entered  # noqa: E402

BATCH = 512
_HDR = struct.Struct("=IHHII")
_RTMSG = L.RTMSG


# -- set-up ----------------------------------------------------------------------------------
def install_routes(ns: NetNS, n: int) -> tuple[int, float]:
    """veth0/veth1 up and N routes 10.x.y.z/32 dev veth0 in the main table; (ifindex, seconds)."""
    with rtnl.Rtnl(ns) as r:
        a, b = r.add_veth("veth0", "veth1")
        r.up(a)
        r.up(b)
        sock = r.sock
        fixed = _RTMSG.pack(rtm_family=C.AF_INET, rtm_dst_len=32, rtm_table=C.RT_TABLE_MAIN,
                            rtm_protocol=C.RTPROT_STATIC, rtm_scope=C.RT_SCOPE_LINK, rtm_type=C.RTN_UNICAST)
        oif = struct.pack("=HHI", 8, C.RTA_OIF, a)
        length = 16 + len(fixed) + 8 + len(oif)
        flags = C.NLM_F_REQUEST | C.NLM_F_CREATE | C.NLM_F_EXCL  # no ACK: the kernel answers only errors
        t0 = time.perf_counter()
        batch = []
        for i in range(n):
            ip = 0x0A000000 + 1 + i  # 10.0.0.1 upward
            batch.append(_HDR.pack(length, C.RTM_NEWROUTE, flags, i + 1, sock.port) + fixed +
                         struct.pack("=HH", 8, C.RTA_DST) + ip.to_bytes(4, "big") + oif)
            if len(batch) == BATCH:
                sock.send(b"".join(batch))
                batch.clear()
        if batch:
            sock.send(b"".join(batch))
        # a final request with an ACK: every earlier one has been processed when it comes back,
        # and an NLMSG_ERROR for a failed route would be queued before it
        seq = sock.send_message(C.RTM_GETLINK, C.NLM_F_REQUEST | C.NLM_F_ACK, L.IFINFOMSG.pack(ifi_index=a))
        errors = []
        while True:
            _r, msgs = sock.recv_messages(30)
            done = False
            for m in msgs:
                if m.type == C.NLMSG_ERROR and m.seq != seq:
                    errors.append(-struct.unpack_from("=i", m.buf, m.payload_offset)[0])
                if m.seq == seq and m.type == C.NLMSG_ERROR:
                    done = True
            if done:
                break
        elapsed = time.perf_counter() - t0
        if errors:
            raise SystemExit(f"{len(errors)} routes failed to install (first errno {errors[0]})")
    return a, elapsed


# -- the methods ----------------------------------------------------------------------------------
def time_ip(ns: NetNS, expect: int) -> float:
    t0 = time.perf_counter()
    subprocess.run(["nsenter", f"--net={ns.path}", "ip", "route", "show"], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


class Pyroute2:
    def __init__(self, ns: NetNS):
        from pyroute2 import IPRoute
        with entered(ns):  # the socket is created in, and stays in, the namespace
            self.ipr = IPRoute()

    def __call__(self, expect: int) -> float:
        t0 = time.perf_counter()
        out = [(m.get("dst"), m["dst_len"], m.get("oif"), m.get("priority"))
               for m in self.ipr.get_routes(family=socket.AF_INET)]
        t = time.perf_counter() - t0
        check(out, expect, "pyroute2")
        return t

    def close(self):
        self.ipr.close()


class NetlinkProbe:
    def __init__(self, ns: NetNS):
        self.sock = Socket(C.NETLINK_ROUTE, netns=ns, ext_ack=False)
        self.payload = _RTMSG.pack(rtm_family=C.AF_INET)

    def dump(self) -> list:
        RTA_DST, RTA_OIF, RTA_PRIORITY = C.RTA_DST, C.RTA_OIF, C.RTA_PRIORITY
        size = _RTMSG.size
        out = []
        for m in self.sock.dump(C.RTM_GETROUTE, self.payload, timeout=30):
            a = m.attrs(size)
            out.append((a.ip(RTA_DST), m.header(_RTMSG).rtm_dst_len, a.u32(RTA_OIF), a.u32(RTA_PRIORITY)))
        return out

    def __call__(self, expect: int) -> float:
        t0 = time.perf_counter()
        out = self.dump()
        t = time.perf_counter() - t0
        check(out, expect, "netlink_probe")
        return t

    def close(self):
        self.sock.close()


class NetlinkProbeColumns(NetlinkProbe):
    """Bulk decoding: Dump.columns() of the 4 fields taken as handed out (arrays=True: integer columns as
    arrays, the address column raw and formatted when read), checked with array methods, not zipped."""

    def __call__(self, expect: int) -> float:
        t0 = time.perf_counter()
        cols = self.sock.dump(C.RTM_GETROUTE, self.payload, timeout=30).columns(
            "RTA_DST", "rtm_dst_len", "RTA_OIF", "RTA_PRIORITY", arrays=True)
        t = time.perf_counter() - t0
        dst, dlen = cols["RTA_DST"], cols["rtm_dst_len"]
        mine = dlen.count(32)  # the N routes and the local table's /32s: no Python pass per route
        rows = {len(dst), len(dlen), len(cols["RTA_OIF"]), len(cols["RTA_PRIORITY"])}
        first = dst[dlen.index(32)] if mine else None  # one address formatted: the one looked at
        if mine < expect or len(rows) != 1 or not (first or "").startswith(("10.", "127.")):
            raise SystemExit(f"np_columns: read {mine} of the {expect} routes")
        return t


class NetlinkProbeNoGC(NetlinkProbe):
    """The same, with Python's cyclic GC off during the dump: how much of the time is GC passes
    over the growing heap (a diagnostic, not a fair comparison)."""

    def __call__(self, expect: int) -> float:
        gc.disable()
        try:
            return super().__call__(expect)
        finally:
            gc.enable()


class Kernel:
    """recv and discard: the least any client can do."""

    def __init__(self, ns: NetNS):
        with entered(ns):
            self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, C.NETLINK_ROUTE)
        self.s.bind((0, 0))
        self.port = self.s.getsockname()[0]
        self.buf = bytearray(64 * 1024)
        self.seq = 1

    def __call__(self, expect: int) -> float:
        self.seq += 1
        req = _HDR.pack(16 + _RTMSG.size, C.RTM_GETROUTE, C.NLM_F_REQUEST | C.NLM_F_DUMP, self.seq, self.port) + \
            _RTMSG.pack(rtm_family=C.AF_INET)
        done = _HDR.pack(20, C.NLMSG_DONE, C.NLM_F_MULTI, self.seq, self.port)
        buf, recv_into = self.buf, self.s.recv_into
        view = memoryview(buf)
        t0 = time.perf_counter()
        self.s.send(req)
        total = 0
        while True:
            n = recv_into(buf)
            total += n
            if n >= 20 and view[n - 20:n - 4] == done:
                break
        t = time.perf_counter() - t0
        if total < expect * 44:
            raise SystemExit(f"kernel method: only {total} bytes for {expect} routes")
        return t

    def close(self):
        self.s.close()


def check(out: list, expect: int, who: str) -> None:
    mine = sum(1 for dst, dlen, oif, prio in out if dlen == 32 and dst and dst.startswith("10."))
    if mine != expect:
        raise SystemExit(f"{who}: read {mine} of the {expect} routes")


# -- running ---------------------------------------------------------------------------------------
METHODS = {"pyroute2": Pyroute2, "netlink_probe": NetlinkProbe, "np_columns": NetlinkProbeColumns,
           "np_gc_off": NetlinkProbeNoGC, "kernel": Kernel}


def peak_rss(argv: list[str], ns: NetNS) -> float:
    """Peak RSS in MB of a command run to its end, its output discarded.

    Through GNU time: a child forked straight from this (large) process would
    count this process's pages, which exec records in its maxrss."""
    with tempfile.NamedTemporaryFile("r") as f:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", f.name, *argv], stdout=subprocess.DEVNULL,
                       pass_fds=(ns.fd,), check=True)
        return int(f.read().split()[-1]) / 1024


def child_lazy(path: str, expect: int) -> int:
    """The --rss child: the netlink_probe method's dump, streamed (fields read, routes counted, not kept)."""
    ns = NetNS.open(path)
    sock = Socket(C.NETLINK_ROUTE, netns=ns, ext_ack=False)
    size = _RTMSG.size
    mine = 0
    for m in sock.dump(C.RTM_GETROUTE, _RTMSG.pack(rtm_family=C.AF_INET), timeout=30):
        a = m.attrs(size)
        text = a.ip(C.RTA_DST)
        a.u32(C.RTA_OIF), a.u32(C.RTA_PRIORITY)
        if m.header(_RTMSG).rtm_dst_len == 32 and text and text.startswith("10."):
            mine += 1
    return 0 if mine == expect else 1


def rss(ns: NetNS, n: int) -> dict[str, float]:
    return {"ip": peak_rss(["nsenter", f"--net={ns.path}", "ip", "route", "show"], ns),
            "netlink_probe": peak_rss([sys.executable, os.path.abspath(__file__), "--child-lazy", ns.path,
                                       "--routes", str(n)], ns)}


def bench(n: int, rounds: int, profile: bool, wanted: list[str], memory: bool) -> dict:
    with NetNS.create() as ns:
        rtnl.loopback_up(ns)
        _ifindex, install_s = install_routes(ns, n)
        methods = {"ip": lambda e: time_ip(ns, e)}
        objs = []
        for name in wanted:
            o = METHODS[name](ns)
            objs.append(o)
            methods[name] = o
        times: dict[str, list[float]] = {k: [] for k in methods}
        order = list(methods)
        try:
            for r in range(rounds):
                rot = order[r % len(order):] + order[:r % len(order)]
                for name in rot:
                    gc.collect()  # every method starts from the same heap (outside its timing)
                    times[name].append(methods[name](n))
            prof = None
            peaks = rss(ns, n) if memory else None
            if profile and "netlink_probe" in methods:
                gc.collect()
                p = cProfile.Profile()
                p.enable()
                methods["netlink_probe"](n)
                p.disable()
                s = io.StringIO()
                pstats.Stats(p, stream=s).sort_stats("tottime").print_stats(14)
                prof = s.getvalue()
        finally:
            for o in objs:
                o.close()
    return {"n": n, "install_s": install_s, "times": times, "profile": prof, "rss": peaks}


def report(res: dict) -> str:
    t = res["times"]
    n = res["n"]
    rounds = len(t["ip"])
    med = {k: statistics.median(v) for k, v in t.items()}
    vs_ip = {k: statistics.median(t[k][i] / t["ip"][i] for i in range(rounds)) for k in t}
    pr = "pyroute2" in t
    vs_pr = {k: statistics.median(t[k][i] / t["pyroute2"][i] for i in range(rounds)) for k in t} if pr else {}
    lines = [f"{n} IPv4 routes ({rounds} rounds, installed in {res['install_s']:.2f} s)",
             f"  {'method':<15}{'median':>12}{'vs ip':>10}" + (f"{'vs pyroute2':>14}" if pr else "")]
    for k in t:
        lines.append(f"  {k:<15}{med[k] * 1000:>10.1f}ms{vs_ip[k]:>9.2f}x" + (f"{vs_pr[k]:>13.3f}x" if pr else ""))
    if res["rss"]:
        lines.append("  peak RSS: " + ", ".join(f"{k} {v:.1f} MB" for k, v in res["rss"].items())
                     + " (netlink_probe: a fresh interpreter streaming the dump)")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--routes", default="10000,100000", help="comma-separated table sizes (default 10000,100000)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds per size (default 5)")
    ap.add_argument("--profile", action="store_true", help="cProfile the netlink_probe method at the largest size")
    ap.add_argument("--methods", default=",".join(METHODS),
                    help=f"comma-separated methods besides ip (default {','.join(METHODS)})")
    ap.add_argument("--rss", action="store_true", help="peak RSS of ip and of a streamed lazy dump at the largest size")
    ap.add_argument("--child-lazy", metavar="NETNS_PATH", help=argparse.SUPPRESS)  # the --rss child
    args = ap.parse_args(argv)
    if args.child_lazy:
        return child_lazy(args.child_lazy, int(args.routes))
    wanted = [m.strip() for m in args.methods.split(",") if m.strip() and m.strip() != "ip"]
    if any(m not in METHODS for m in wanted):
        print(f"route_dump.py: --methods: choose among ip,{','.join(METHODS)}", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("route_dump.py: needs root (it creates a network namespace): run it with sudo", file=sys.stderr)
        return 2
    for tool in ("ip", "nsenter") + (("/usr/bin/time",) if args.rss else ()):
        if not shutil.which(tool):
            print(f"route_dump.py: `{tool}` is not installed", file=sys.stderr)
            return 2
    try:
        sizes = [int(x) for x in args.routes.split(",") if x.strip()]
    except ValueError:
        print(f"route_dump.py: --routes {args.routes!r}: give numbers such as 10000,100000", file=sys.stderr)
        return 2
    if not sizes or min(sizes) < 1 or max(sizes) > 16_000_000 or args.rounds < 1:
        print("route_dump.py: sizes must be 1..16000000 and --rounds at least 1", file=sys.stderr)
        return 2
    print(f"kernel {os.uname().release}, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cpus; times are wall clock, medians", flush=True)
    for n in sizes:
        res = bench(n, args.rounds, args.profile and n == max(sizes), wanted, args.rss and n == max(sizes))
        print(report(res), flush=True)
        if res["profile"]:
            print("\ncProfile of one netlink_probe dump (by tottime):")
            print(res["profile"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
