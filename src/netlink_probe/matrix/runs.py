"""One run of the suite on one kernel -- the host directly, or a guest in a VM -- and the
result record it leaves (an entry of summary.json).

A record: {"label", "kind": "host"|"guest", "release", "status", "pytest_rc", "wall_s",
"counts", ...}; status is "ran", "timeout", "boot-failed" or (set by the caller)
"fetch-failed".
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import CHECKOUT
from .checkout_disk import CheckoutDisk
from .guest_root import GUEST_CHECKOUT, GUEST_PYTHON
from .junit import read_counts
from .progress import run_streaming, say
from .report import format_done
from .suite import PYTEST_OK, PythonInfo, suite_command, suite_env
from .vm import GUEST_OUT, fast_mount_paths, guest_script, vng_command

__all__ = ["GuestDisks", "guest_commands", "host_label", "run_host", "run_guest", "run_guest_retrying"]

Result = dict[str, Any]


def host_label(release: str | None = None) -> str:
    """'host-<release>': the host's files in --out, apart from the guests' (named by kernel version)."""
    return "host-" + (release or platform.release())


def _clear(out: Path, label: str, suffixes: tuple[str, ...]) -> None:
    """Remove a previous run's files, so a missing report means this run made none."""
    for suffix in suffixes:
        (out / f"{label}{suffix}").unlink(missing_ok=True)


def run_host(args: argparse.Namespace, py: PythonInfo, out: Path, with_profile: bool) -> Result:
    """Run the suite on the running kernel, streaming its progress; status 'ran' or 'timeout'."""
    label = host_label()
    _clear(out, label, (".junit.xml", ".profile.json"))
    cmd = suite_command(py.executable, args.suite, str(out / label), with_profile,
                        args.pytest_extra)
    say(label, "running on the host…")
    (out / f"{label}.cmd").write_text(shlex.join(cmd) + "\n")
    env = suite_env(dict(os.environ, PYTHONUNBUFFERED="1"))
    rc, counter, secs = run_streaming(cmd, label, out / f"{label}.stdout.log",
                                      out / f"{label}.stderr.log", args.timeout, env=env,
                                      cwd=CHECKOUT)
    counts = read_counts(out / f"{label}.junit.xml")
    res = {"label": label, "kind": "host", "release": platform.release(), "pytest_rc": rc,
           "status": "ran" if rc is not None else "timeout", "wall_s": round(secs, 1),
           "counts": counts}
    if rc is None:
        say(label, f"timed out after {args.timeout} s")
    else:
        say(label, format_done(counts, secs) + ("" if rc in PYTEST_OK else f" [pytest exit {rc}]"))
    return res


def _read_guest_rc(rc_file: Path) -> int | None:
    """pytest's exit code as the guest script left it in --out (then removed)."""
    if not rc_file.exists():
        return None
    try:
        return int(rc_file.read_text().strip())
    except ValueError:
        return None
    finally:
        rc_file.unlink(missing_ok=True)


@dataclass(frozen=True)
class GuestDisks:
    """What a guest boots with besides the kernel: the checkout's image, and its own root file system's
    (guest_root; None: the host's root over 9p)."""

    checkout: CheckoutDisk | None = None
    root: Path | None = None


def guest_commands(args: argparse.Namespace, py: PythonInfo, vng: str, kver: str, kimg: Path, accel: str,
                   out: Path, with_profile: bool, disks: GuestDisks) -> tuple[str, list[str]]:
    """(the script the guest runs, the vng command that boots it); the script goes to OUT/KVER.guest.sh."""
    extra = getattr(args, "guest_extra", args.pytest_extra)
    if disks.root is not None:  # the guest's own Debian: its python3, the checkout only on its disk
        assert disks.checkout is not None, "a guest root image needs the checkout image"
        checkout, python, fast = GUEST_CHECKOUT, GUEST_PYTHON, []
        disk: CheckoutDisk | None = replace(disks.checkout, checkout=GUEST_CHECKOUT, host_only=())
    else:
        checkout, python = str(CHECKOUT), py.executable
        fast = fast_mount_paths(py.prefixes) if args.fast_python else []
        disk = disks.checkout
    cmd = suite_command(python, args.suite, f"{GUEST_OUT}/{kver}", with_profile, extra)
    script = guest_script(checkout, cmd, kver, fast, disk)
    vcmd = vng_command(vng, str(kimg), accel, args.cpus, args.memory, str(out), str(CHECKOUT),
                       f"{GUEST_OUT}/{kver}.guest.sh", fast, disk,
                       None if disks.root is None else str(disks.root))
    return script, vcmd


def run_guest(args: argparse.Namespace, py: PythonInfo, vng: str, kver: str, kimg: Path,
              accel: str, out: Path, with_profile: bool, disks: GuestDisks = GuestDisks()) -> Result:
    """Boot *kimg* with virtme-ng and run the suite in it; status 'ran', 'timeout' or 'boot-failed'."""
    label = kver
    _clear(out, label, (".junit.xml", ".profile.json", ".rc"))
    script, vcmd = guest_commands(args, py, vng, kver, kimg, accel, out, with_profile, disks)
    (out / f"{label}.guest.sh").write_text(script)  # in --out: the guest sees it at GUEST_OUT
    (out / f"{label}.cmd").write_text(shlex.join(vcmd) + "\n")
    env = dict(os.environ)
    # vng and the guest find the interpreter's tools (vng itself, pytest) on PATH
    env["PATH"] = str(Path(py.executable).parent) + os.pathsep + env.get("PATH", "")
    root = "host root over 9p" if disks.root is None else "own root disk"
    say(label, f"booting ({accel}, {args.cpus} CPUs, {args.memory}, {root})…")
    rc, counter, secs = run_streaming(vcmd, label, out / f"{label}.stdout.log",
                                      out / f"{label}.stderr.log", args.timeout, env=env, cwd=CHECKOUT)
    guest_rc = _read_guest_rc(out / f"{label}.rc")
    counts = read_counts(out / f"{label}.junit.xml")
    res = {"label": label, "kind": "guest", "release": kver, "accel": accel,
           "vng_rc": rc, "pytest_rc": guest_rc, "wall_s": round(secs, 1),
           "boot_uptime_s": counter.booted_at, "counts": counts}
    if rc is None:
        res["status"] = "timeout"
        say(label, f"timed out after {args.timeout} s (see {label}.stderr.log)")
    elif counter.booted_at is None or guest_rc is None:
        res["status"] = "boot-failed"
        say(label, f"the guest did not run the suite (vng exit {rc}; see {label}.stderr.log)")
    else:
        res["status"] = "ran"
        say(label, format_done(counts, secs) +
            ("" if guest_rc in PYTEST_OK else f" [pytest exit {guest_rc}]"))
    return res


def run_guest_retrying(args: argparse.Namespace, py: PythonInfo, vng: str, kver: str,
                       kimg: Path, accel: str, out: Path, with_profile: bool,
                       disks: GuestDisks = GuestDisks()) -> Result:
    """run_guest, once more when the VM never ran the suite (as NIPA does: boots under TCG
    and load fail now and then)."""
    res = run_guest(args, py, vng, kver, kimg, accel, out, with_profile, disks)
    if res["status"] == "boot-failed":
        for stream in ("stdout", "stderr"):  # kept: why it failed is in them
            log = out / f"{kver}.{stream}.log"
            if log.exists():
                log.replace(out / f"{kver}.boot-failed.{stream}.log")
        say(kver, f"boot failed; retrying once (the failed attempt's logs: {kver}.boot-failed.*.log)")
        res = run_guest(args, py, vng, kver, kimg, accel, out, with_profile, disks)
        res["retried"] = True
    return res
