"""scripts/vagrant-ci: one kernel's Vagrant VM end to end, as .ci/run runs it.

    sudo scripts/vagrant-ci --kernel 6.1 --out results/

The box (built or cached), libvirtd/virtlogd (started when nothing runs them), `vagrant up
nlp-<kernel>` (boot, suite, results copied back), then `vagrant destroy -f` always: on
success, failure, timeout, SIGTERM and SIGINT.  Each step is timed; the times and the suite's
counts go to OUT/vagrant-<kernel>.summary.json.

Exit status: the suite's (pytest's: 0 all passed, 1 tests failed, ...); 2 when the suite did
not run (box, daemons, boot, SSH, timeout; the message says which step).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from . import VagrantError
from .build import add_box_options, build_box
from .libvirt import check_host, ensure_pool, start_daemons, stop_daemons

__all__ = ["build_parser", "machine_name", "strip_machine_prefix", "run_vagrant", "main"]

#: vagrant prints guest output as '    nlp-6.1: text'
_PREFIX = re.compile(r"^\s*(?:==> )?nlp-[\w.+-]+: ?")


class _Stopped(Exception):
    """SIGTERM or SIGINT arrived: clean up, then exit."""


def build_parser() -> argparse.ArgumentParser:
    """The scripts/vagrant-ci options."""
    p = argparse.ArgumentParser(prog="vagrant-ci", description=(
        "Build or reuse the box, start libvirt if needed, `vagrant up` one kernel's machine "
        "(which runs the suite and copies its results back), then always destroy it."))
    add_box_options(p)
    p.add_argument("--out", default="results",
                   help="directory for the results (relative: to the checkout) "
                        "(default: %(default)s)")
    p.add_argument("--timeout", type=float, default=2700,
                   help="seconds for `vagrant up` (boot + suite) (default: %(default)s)")
    p.add_argument("--pytest-args", default="", help='extra pytest arguments, e.g. "-k smoke"')
    p.add_argument("--keep", action="store_true",
                   help="leave the VM and the daemons running (for `vagrant ssh`)")
    return p


def machine_name(spec: str) -> str:
    """The Vagrantfile's machine for a kernel spec."""
    return f"nlp-{spec}"


def strip_machine_prefix(line: str) -> str:
    """'    nlp-6.1: @@netlink-probe-progress {...}' -> '@@netlink-probe-progress {...}'."""
    return _PREFIX.sub("", line, count=1)


def run_vagrant(args: list[str], log: Path, timeout: float, env: dict[str, str],
                cwd: Path) -> int | None:
    """Run `vagrant ARGS` from cwd: output to *log* and to stdout (the suite's progress lines
    summarised every 30 s); its exit code, or None on timeout (its process group killed)."""
    from ..matrix.progress import ProgressCounter

    counter = ProgressCounter()
    start = last = time.monotonic()
    with open(log, "ab") as out:
        proc = subprocess.Popen(["vagrant", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                cwd=cwd, start_new_session=True)
        assert proc.stdout is not None
        buf = b""
        try:
            while True:
                if time.monotonic() - start > timeout:
                    _kill_group(proc)
                    return None
                ready, _, _ = select.select([proc.stdout], [], [], 1.0)
                if ready:
                    chunk = os.read(proc.stdout.fileno(), 65536)
                    if not chunk:
                        break
                    out.write(chunk)
                    out.flush()
                    buf += chunk
                    *lines, rest = buf.split(b"\n")
                    buf = rest
                    for raw in lines:
                        line = strip_machine_prefix(raw.decode("utf-8", "replace"))
                        if not counter.feed(line + "\n") and "@@netlink-probe-progress" not in line:
                            print(f"  {raw.decode('utf-8', 'replace').rstrip()}", flush=True)
                now = time.monotonic()
                if counter.total and now - last >= 30:
                    eta = f", about {counter.eta_s:.0f} s left" if counter.eta_s is not None else ""
                    print(f"[vagrant] {counter.done}/{counter.total} tests, {counter.failed} failed"
                          f"{eta} ({now - start:.0f} s)", flush=True)
                    last = now
        except BaseException:
            _kill_group(proc)
            raise
        return proc.wait()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the child's process group (vagrant and its ssh), SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=20)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    raise _Stopped(signal.Signals(signum).name)


def _counts(junit: Path) -> dict[str, object] | None:
    from ..matrix.junit import read_counts

    return read_counts(junit) if junit.exists() else None


def main(argv: list[str] | None = None) -> int:
    """scripts/vagrant-ci: one kernel end to end; the suite's exit status (2: it did not run)."""
    from .. import matrix

    a = build_parser().parse_args(argv)
    spec = a.kernel
    if "," in spec:
        print("vagrant-ci: one kernel at a time (--kernel 6.1)", file=sys.stderr)
        return 2
    checkout = matrix.CHECKOUT
    out = Path(a.out) if Path(a.out).is_absolute() else checkout / a.out
    out.mkdir(parents=True, exist_ok=True)
    name, result = machine_name(spec), f"vagrant-{spec}"
    for f in out.glob(f"{result}.*"):
        f.unlink()
    times: dict[str, float] = {}
    summary: dict[str, object] = {"kernel": spec, "machine": name, "times_s": times,
                                  "loadavg_start": os.getloadavg()[0]}
    env = dict(os.environ, NLP_PYTEST_ARGS=a.pytest_args, NLP_VAGRANT_RESULTS=str(out),
               VAGRANT_DEFAULT_PROVIDER="libvirt", VAGRANT_CHECKPOINT_DISABLE="1")
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _on_signal)
    started: list[int] = []
    up_rc: int | None = None
    up_started = False
    t_all = time.monotonic()
    rc = 2
    try:
        t = time.monotonic()
        check_host()
        info = build_box(spec, Path(a.cache).resolve(), a.mirror, a.rebuild, a.accel, a.offline)
        times["box"] = round(time.monotonic() - t, 1)
        summary.update(release=info.release, box=info.box, accel=info.accel)
        t = time.monotonic()
        started = start_daemons()
        ensure_pool()
        times["daemons"] = round(time.monotonic() - t, 1)
        print(f"vagrant-ci: vagrant up {name} ({info.accel}, timeout {a.timeout:.0f} s)", flush=True)
        t = time.monotonic()
        up_started = True
        up_rc = run_vagrant(["up", name, "--provider", "libvirt"], out / f"{result}.vagrant.log",
                            a.timeout, env, checkout)
        times["vagrant_up"] = round(time.monotonic() - t, 1)
        summary["vagrant_up_exit"] = up_rc
        rc_file = out / f"{result}.rc"
        if rc_file.exists():
            rc = int(rc_file.read_text().strip() or 2)
        elif up_rc is None:
            print(f"vagrant-ci: error: vagrant up timed out after {a.timeout:.0f} s "
                  f"(see {out / (result + '.vagrant.log')})", file=sys.stderr)
        else:
            print(f"vagrant-ci: error: the suite did not run (vagrant up exit {up_rc}; see "
                  f"{out / (result + '.vagrant.log')} and the console log)", file=sys.stderr)
    except VagrantError as e:
        print(f"vagrant-ci: error: {e}", file=sys.stderr)
    except _Stopped as e:
        print(f"vagrant-ci: {e}: stopping", file=sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # cleanup is not interrupted
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _cleanup(a.keep, name, result, out, env, checkout, started, up_started, times)
    summary.update(exit=rc, counts=_counts(out / f"{result}.junit.xml"),
                   loadavg_end=os.getloadavg()[0])
    guest_times = out / f"{result}.times"
    if guest_times.exists():
        summary["guest"] = dict(line.split("=", 1) for line in guest_times.read_text().split())
    times["total"] = round(time.monotonic() - t_all, 1)
    (out / f"{result}.summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"vagrant-ci: {json.dumps(summary)}", flush=True)
    return rc


def _cleanup(keep: bool, name: str, result: str, out: Path, env: dict[str, str], checkout: Path,
             started: list[int], up_started: bool, times: dict[str, float]) -> None:
    """Keep the guest's console log, destroy the machine (unless --keep), stop the daemons
    this run started."""
    console = Path(f"/var/log/libvirt/qemu/{name}-serial.log")
    if console.exists() and up_started:
        try:
            (out / f"{result}.console.log").write_bytes(console.read_bytes()[-200000:])
        except OSError:
            pass
    if keep:
        print(f"vagrant-ci: --keep: {name} still runs (sudo vagrant ssh {name})", flush=True)
        return
    t = time.monotonic()
    if up_started:
        rc = run_vagrant(["destroy", "-f", name], out / f"{result}.vagrant.log", 300, env, checkout)
        if rc != 0:
            print(f"vagrant-ci: warning: vagrant destroy -f {name} exit {rc}", file=sys.stderr)
    times["destroy"] = round(time.monotonic() - t, 1)
    stop_daemons(started)
