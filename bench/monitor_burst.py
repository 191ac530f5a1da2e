#!/usr/bin/env python3
"""A burst of N route notifications: does `ip monitor` keep up, does `netlink-probe monitor`?

    sudo python3 bench/monitor_burst.py [--routes 100000] [--rounds 3]

Per round, a fresh namespace with a veth pair; the listeners start inside it
(stdout to a file each), then N /32 routes are installed in one go by
`netlink_probe.batch.run_batch` (acks for errors only, 512 a datagram): one
RTM_NEWROUTE notification each, as fast as the kernel makes them.  Listeners:

  ip            ``ip monitor route``
  np            ``netlink-probe monitor -g ipv4_route`` (default receive queue: --rcvbuf 128M)
  np_ip_queue   the same with ``--rcvbuf 1M``: the queue ip asks for (SO_RCVBUF 1 MiB)

For each: the notifications printed, the ENOBUFS reports (ip: "netlink
receive error ... (105)" lines on stderr; netlink-probe: "overrun" lines),
and how long after the burst it had printed its last line.  Not a test.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

from harness import child_env  # noqa: E402

IDLE = 15.0  # seconds without output that end a round (a loaded machine stalls a listener for seconds)

from netlink_probe import NetNS, Socket, rtnl  # noqa: E402
from netlink_probe import constants as C  # noqa: E402
from netlink_probe.batch import run_batch  # noqa: E402
from netlink_probe.codec import layouts as L  # noqa: E402


def listeners(nspath: str) -> dict[str, list[str]]:
    np = [sys.executable, "-m", "netlink_probe", "monitor", "-g", "ipv4_route", "--netns", nspath]
    return {"ip": ["nsenter", f"--net={nspath}", "ip", "monitor", "route"], "np": np,
            "np_ip_queue": np + ["--rcvbuf", "1M"]}


def burst(ns: NetNS, n: int) -> float:
    """N routes through veth0, pipelined; the seconds it took."""
    with rtnl.Rtnl(ns) as r:
        oif = r.link_index("veth0")
    fixed = L.RTMSG.pack(rtm_family=C.AF_INET, rtm_dst_len=32, rtm_table=C.RT_TABLE_MAIN, rtm_protocol=C.RTPROT_BOOT,
                         rtm_scope=C.RT_SCOPE_LINK, rtm_type=C.RTN_UNICAST)
    dst, tail = struct.pack("=HH", 8, C.RTA_DST), struct.pack("=HHI", 8, C.RTA_OIF, oif)
    with Socket(C.NETLINK_ROUTE, netns=ns) as s:
        t0 = time.perf_counter()
        run_batch(s, ((C.RTM_NEWROUTE, C.NLM_F_CREATE | C.NLM_F_EXCL, fixed + dst + (0x0A000001 + i).to_bytes(4, "big")
                       + tail) for i in range(n))).check()
        return time.perf_counter() - t0


def lines(path: str) -> int:
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def one_round(n: int, settle: float) -> dict[str, dict[str, float]]:
    with NetNS.create() as ns, tempfile.TemporaryDirectory(prefix="np-monitor-burst-") as tmp:
        rtnl.loopback_up(ns)
        with rtnl.Rtnl(ns) as r:
            a, b = r.add_veth("veth0", "veth1")
            r.up(a)
            r.up(b)
        nspath = f"/proc/{os.getpid()}/fd/{ns.fd}"
        procs = {}
        for name, argv in listeners(nspath).items():
            out, err = open(os.path.join(tmp, name + ".out"), "wb"), open(os.path.join(tmp, name + ".err"), "wb")
            procs[name] = (subprocess.Popen(argv, stdout=out, stderr=err, env=child_env()), out, err)
        time.sleep(settle)  # every listener has joined its group (netlink-probe says so on stderr)
        seconds = burst(ns, n)
        end = time.monotonic()
        last = {k: (0, end) for k in procs}
        while True:  # until every listener printed N lines, or none printed anything for IDLE s
            time.sleep(0.25)
            for k in procs:
                c = lines(os.path.join(tmp, k + ".out"))
                if c != last[k][0]:
                    last[k] = (c, time.monotonic())
            if all(c >= n for c, _ in last.values()) or time.monotonic() - max(t for _, t in last.values()) > IDLE:
                break
        res = {}
        for k, (p, out, err) in procs.items():
            p.send_signal(signal.SIGINT)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            out.close()
            err.close()
            text = open(os.path.join(tmp, k + ".out"), "rb").read()
            stderr = open(os.path.join(tmp, k + ".err"), "rb").read()
            overruns = (stderr.count(b"(105)") if k == "ip" else text.count(b"overrun"))
            printed = text.count(b"\n") - (overruns if k != "ip" else 0)
            res[k] = {"printed": printed, "overruns": overruns, "drain_s": last[k][1] - end, "burst_s": seconds}
        return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--routes", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--settle", type=float, default=3.0, help="seconds for the listeners to start (default 3)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("monitor_burst.py: needs root", file=sys.stderr)
        return 2
    print(f"kernel {os.uname().release}, load {os.getloadavg()[0]:.1f}; {args.routes:,} route notifications a burst")
    rounds = [one_round(args.routes, args.settle) for _ in range(args.rounds)]
    print(f"burst (run_batch): median {statistics.median(r['ip']['burst_s'] for r in rounds):.2f} s")
    print(f"  {'listener':<14}{'printed':>10}{'overruns':>10}{'drained after':>15}   (medians of {len(rounds)})")
    for k in rounds[0]:
        med = {f: statistics.median(r[k][f] for r in rounds) for f in ("printed", "overruns", "drain_s")}
        print(f"  {k:<14}{med['printed']:>10,.0f}{med['overruns']:>10.0f}{med['drain_s']:>13.2f} s   "
              f"per round: {[int(r[k]['printed']) for r in rounds]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
