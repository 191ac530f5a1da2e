#!/usr/bin/env python3
"""One benchmark harness: every workload against iproute2 and pyroute2, in the same run, ratios and peak RSS.

    sudo python3 bench/harness.py [--quick] [--rounds N] [--only links,neigh,...] [--markdown]

Workloads (one module each, ``bench/workload_*.py``): ``routes`` (route dump,
wrapping bench/route_dump.py), ``links`` (veth pairs with linkinfo),
``neigh`` (permanent neighbours), ``addrs`` (addresses), ``install`` (route
install: `netlink_probe.batch` against ``ip -batch`` and pyroute2), ``cli``
(``netlink-probe dump routes --json`` against ``ip -j route show``).

Every method of every round runs in a process of its own, so its peak RSS
(``ru_maxrss`` from wait4, the interpreter included) is its own.  Commands
(``ip``, the CLI) are timed as whole processes; Python methods (``pyroute2``,
``lazy``, ``columns``, ``kernel``) around the work only (sockets opened
before), as bench/route_dump.py does.  Rounds are interleaved, the order
rotating each round; medians are printed, and each ratio is the median of
the per-round ratios against ``ip`` of the same round.  Child Pythons run as
a user's would: bytecode cache on (in a private prefix), stdout buffered.
Not a test: run it as its own command, as root (it creates namespaces).
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

WORKLOADS = ("routes", "links", "neigh", "addrs", "install", "cli")
PYCACHE = os.path.join(tempfile.gettempdir(), "netlink-probe-bench-pycache")
TIME = "/usr/bin/time"  # GNU time, for the peak RSS of a process


@dataclass
class Sample:
    """One method's one round: seconds, peak RSS in KiB, what it counted."""

    seconds: float
    rss_kb: int
    count: int | None = None


@dataclass
class Method:
    """How to run one method: *argv*(nspath, n) is a command, or *python* names a function of the workload module
    that the child runs (``run_<python>``).  *scale*: the result is multiplied by it (a method run at 1/scale of
    the size)."""

    argv: Callable[[str, int], list[str]] | None = None
    python: str | None = None
    scale: int = 1
    note: str = ""


@dataclass
class Result:
    workload: str
    size: int
    unit: str
    samples: dict[str, list[Sample]] = field(default_factory=dict)


def child_env() -> dict[str, str]:
    """The environment of every measured process: a user's (bytecode cached, stdout buffered), src/ importable."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")}
    env["PYTHONPYCACHEPREFIX"] = PYCACHE
    src = os.path.join(os.path.dirname(HERE), "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_process(argv: list[str], *, stdout: int | None = subprocess.DEVNULL) -> tuple[float, int, bytes]:
    """Run *argv* to the end: (wall seconds, peak RSS KiB, its stdout when piped).

    The peak RSS comes from GNU time (``%M``: wait4's ru_maxrss of its own
    child): a process forked from this Python would carry the harness's
    resident pages into its ru_maxrss up to its exec.
    """
    with tempfile.NamedTemporaryFile("r", prefix="np-bench-rss-") as rss_file:
        t0 = time.perf_counter()
        p = subprocess.run([TIME, "-f", "%M", "-o", rss_file.name, *argv], stdout=stdout, stderr=subprocess.PIPE,
                           env=child_env())
        wall = time.perf_counter() - t0
        if p.returncode:
            raise SystemExit(f"{' '.join(argv[:6])}...: exit {p.returncode}: "
                             f"{p.stderr.decode(errors='replace')[-800:]}")
        rss = int(rss_file.read().split()[-1])
    return wall, rss, p.stdout or b""


def measure(workload: str, name: str, m: Method, nspath: str, n: int) -> Sample:
    """One round of one method, in a process of its own."""
    if m.argv is not None:
        wall, rss, _ = run_process(m.argv(nspath, n // m.scale))
        return Sample(wall * m.scale, rss)
    _wall, rss, out = run_process([sys.executable, os.path.join(HERE, "harness.py"), "--child", workload,
                                   str(m.python), nspath, str(n // m.scale)], stdout=subprocess.PIPE)
    got = json.loads(out.decode().strip().splitlines()[-1])
    return Sample(got["seconds"] * m.scale, rss, got.get("count"))


def child(workload: str, python: str, nspath: str, n: int) -> int:
    """In the measured process: run the workload's ``run_<python>(nspath, n)`` -> (seconds, count); print JSON."""
    mod = importlib.import_module(f"workload_{workload}")
    # One-time loading stays outside the clock, as imports always did: the attribute tables, which the library
    # loads when a decoder first asks (`Dump.columns`, `-d`), are loaded here, as `import netlink_probe` did.
    from netlink_probe.codec import values
    assert values.KIND
    seconds, count = getattr(mod, f"run_{python}")(nspath, n)
    print(json.dumps({"seconds": seconds, "count": count}))
    return 0


def bench(workload: str, quick: bool, rounds: int) -> Result:
    """Every method of one workload, *rounds* interleaved rounds, one namespace (a fresh one per
    measurement when the workload changes it: FRESH)."""
    from netlink_probe import NetNS, rtnl

    mod = importlib.import_module(f"workload_{workload}")
    n = mod.SIZES["quick" if quick else "full"]
    methods: dict[str, Method] = mod.methods(quick)
    res = Result(workload, n, mod.UNIT, {k: [] for k in methods})
    order = list(methods)
    ns = None
    try:
        if not getattr(mod, "FRESH", False):
            ns = NetNS.create()
            rtnl.loopback_up(ns)
            mod.setup(ns, n)
        for r in range(rounds):
            for name in order[r % len(order):] + order[:r % len(order)]:
                m = methods[name]
                if ns is None or getattr(mod, "FRESH", False):
                    with NetNS.create() as fresh:
                        rtnl.loopback_up(fresh)
                        mod.setup(fresh, n // m.scale)
                        s = measure(workload, name, m, f"/proc/{os.getpid()}/fd/{fresh.fd}", n)
                else:
                    s = measure(workload, name, m, f"/proc/{os.getpid()}/fd/{ns.fd}", n)
                res.samples[name].append(s)
            print(f"  {workload}: round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    finally:
        if ns is not None:
            ns.close()
    return res


def summary(res: Result, notes: dict[str, str]) -> list[tuple[str, float, float, float | None, int]]:
    """(method, median seconds, median ratio to ip, median ratio to pyroute2, median peak RSS KiB) per method."""
    s = res.samples
    base = next(k for k in s if k.startswith("ip"))
    rounds = len(s[base])
    out = []
    for k, v in s.items():
        vs_ip = statistics.median(v[i].seconds / s[base][i].seconds for i in range(rounds))
        vs_pr = (statistics.median(v[i].seconds / s["pyroute2"][i].seconds for i in range(rounds))
                 if "pyroute2" in s else None)
        out.append((k, statistics.median(x.seconds for x in v), vs_ip, vs_pr,
                    int(statistics.median(x.rss_kb for x in v))))
    return out


def _ms(sec: float) -> str:
    return f"{sec:.2f} s" if sec >= 1 else f"{sec * 1000:.1f} ms"


def report(res: Result, notes: dict[str, str], markdown: bool) -> str:
    rows = summary(res, notes)
    title = f"{res.workload}: {res.size:,} {res.unit} ({len(next(iter(res.samples.values())))} rounds)"
    if markdown:
        lines = [f"#### {title}", "", "| method | median | vs ip | vs pyroute2 | peak RSS |", "| --- | --- | --- | --- | --- |"]
        for k, sec, vi, vp, rss in rows:
            name = f"{k} ({notes[k]})" if notes.get(k) else k
            lines.append(f"| {name} | {_ms(sec)} | {vi:.2f}× | {'' if vp is None else f'{vp:.3f}×'} | "
                         f"{rss / 1024:.1f} MB |")
        return "\n".join(lines) + "\n"
    lines = [title, f"  {'method':<22}{'median':>11}{'vs ip':>9}{'vs pyroute2':>13}{'peak RSS':>11}"]
    for k, sec, vi, vp, rss in rows:
        lines.append(f"  {k:<22}{_ms(sec):>11}{vi:>8.2f}x{'' if vp is None else f'{vp:.3f}x':>13}"
                     f"{rss / 1024:>8.1f} MB" + (f"   {notes[k]}" if notes.get(k) else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child(argv[1], argv[2], argv[3], int(argv[4]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes and 3 rounds: a smoke run in a minute")
    ap.add_argument("--rounds", type=int, help="interleaved rounds per workload (default 5, --quick 3)")
    ap.add_argument("--only", default=",".join(WORKLOADS), help=f"comma-separated workloads ({','.join(WORKLOADS)})")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables (for bench/README.md)")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("harness.py: needs root (it creates network namespaces): run it with sudo", file=sys.stderr)
        return 2
    for tool in ("ip", "nsenter", TIME):
        if not shutil.which(tool):
            print(f"harness.py: `{tool}` is not installed", file=sys.stderr)
            return 2
    chosen = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = set(chosen) - set(WORKLOADS)
    if unknown or not chosen:
        print(f"harness.py: --only: unknown workload(s) {sorted(unknown)}; known: {', '.join(WORKLOADS)}",
              file=sys.stderr)
        return 2
    rounds = args.rounds or (3 if args.quick else 5)
    if rounds < 1:
        print("harness.py: --rounds must be at least 1", file=sys.stderr)
        return 2
    os.makedirs(PYCACHE, exist_ok=True)
    print(f"kernel {os.uname().release}, python {sys.version.split()[0]}, {os.cpu_count()} cpus, "
          f"load {os.getloadavg()[0]:.1f}; medians of {rounds} rounds, ratios per round", flush=True)
    for w in chosen:
        mod = importlib.import_module(f"workload_{w}")
        res = bench(w, args.quick, rounds)
        print(report(res, {k: m.note for k, m in mod.methods(args.quick).items()}, args.markdown), flush=True)
    print(f"load at the end {os.getloadavg()[0]:.1f}; self peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
