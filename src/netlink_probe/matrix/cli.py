"""scripts/kernel-matrix: the command line, and one run from setup to summary.json.

For each kernel the suite runs once and leaves in --out:

    <label>.profile.json   --profile output of the project's pytest plugin (if supported)
    <label>.junit.xml      pytest --junitxml
    <label>.stdout.log     pytest's stdout (guest: the VM's stdout)
    <label>.stderr.log     pytest's stderr (guest: vng's and the guest's stderr)
    <label>.cmd            the exact command (the vng line for guests)
    <label>.diff.txt       `netlink-probe diff HOST GUEST` (guests only)
    summary.json           per kernel: exit codes, counts, boot and run times, slowdown

Exit status: 0 when every requested kernel booted and pytest finished with 0 (all passed),
1 (test failures) or 5 (nothing collected), and every diff ran (exit 0 or 1); 1 when some kernel
could not be fetched, did not boot, timed out, or pytest/diff errored out; 2 for usage and setup
errors. Test failures are reported but only make the exit status non-zero with
--fail-on-test-failures. See docs/kernel-matrix.md.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import CHECKOUT, MatrixError
from .apt import Apt
from .checkout_disk import CheckoutDisk, build_checkout_disk
from .diffs import run_diffs
from .kernels import cached_kernels, is_series, kernel_image, parse_kernel_list, pick_newest_cached, \
    prepare_kernel
from .progress import say
from .report import add_slowdowns, overall_exit, print_summary, render_reports, write_summary
from .guest_root import guest_root_image
from .runs import GuestDisks, guest_commands, host_label, run_guest_retrying, run_host
from .sources import DEFAULT_KEYRING
from .suite import DEFAULT_SUITE, PythonInfo, find_python, suite_command, supports_profile, warm_bytecode
from .vm import choose_accel, find_vng

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``scripts/kernel-matrix`` options."""
    p = argparse.ArgumentParser(
        prog="kernel-matrix",
        description="Run the conformance suite on the host and on Debian guest kernels "
                    "(virtme-ng VMs) and diff the observation profiles.")
    p.add_argument("--kernels", default="6.1,6.12",
                   help="comma-separated: a series (6.1, 6.12: newest Debian package), a "
                        "release (6.1.0-57-amd64) or a path to boot/vmlinuz-RELEASE "
                        "(default: %(default)s)")
    p.add_argument("--out", default="results", help="output directory (default: %(default)s)")
    p.add_argument("--host-only", action="store_true", help="run the host suite only")
    p.add_argument("--no-host", action="store_true", help="skip the host run (and the diffs)")
    p.add_argument("--pytest-args", default="", help='extra pytest arguments, e.g. "-k smoke"')
    p.add_argument("--timeout", type=float, default=1800,
                   help="seconds per kernel, boot included (default: %(default)s)")
    p.add_argument("--cache", default=None, help="kernel cache (default: CHECKOUT/.kernels)")
    p.add_argument("--accel", choices=("auto", "kvm", "tcg"), default="auto",
                   help="guest acceleration; auto probes whether KVM really runs a guest")
    p.add_argument("--cpus", type=int, default=2, help="guest CPUs (default: %(default)s)")
    p.add_argument("--jobs", type=int, default=2,
                   help="guests that run at the same time (default: %(default)s)")
    p.add_argument("--memory", default="2G", help="guest memory (default: %(default)s)")
    p.add_argument("--python", default=None,
                   help="interpreter with the project's test dependencies (default: this one, "
                        "$NLP_PYTHON, or python3 on PATH)")
    p.add_argument("--vng", default=None, help="vng executable (default: beside --python, PATH)")
    p.add_argument("--mirror", default=None,
                   help="Debian archive URL (default: the one in the host's apt sources)")
    p.add_argument("--security-mirror", default=None, help="Debian security archive URL")
    p.add_argument("--keyring", default=None, help=f"archive keyring (default: {DEFAULT_KEYRING})")
    p.add_argument("--flavour", default="amd64", help="kernel flavour (default: %(default)s)")
    p.add_argument("--offline", action="store_true",
                   help="use only kernels already in the cache; no apt")
    p.add_argument("--refresh", action="store_true",
                   help="refresh the private apt lists even if younger than a day")
    p.add_argument("--no-fast-python", dest="fast_python", action="store_false",
                   help="do not give the guest a page-cached 9p export of the Python prefix")
    p.add_argument("--guest-root", choices=("disk", "host"), default="disk",
                   help="disk: guests boot a Debian 12 root image with the suite's dependencies (built once, "
                        "cached in --cache); host: the host's root over 9p, with its interpreter "
                        "(default: %(default)s)")
    p.add_argument("--no-checkout-disk", dest="checkout_disk", action="store_false",
                   help="with --guest-root host: let guests read the checkout over 9p (default: from an ext4 "
                        "image of it, built once per run)")
    p.add_argument("--exhaustive-in-guests", action="store_true",
                   help="run every case of the exhaustive matrices in guests too (default: one per behaviour "
                        "class, --sample-exhaustive; the host always runs all)")
    p.add_argument("--full-diff", action="store_true",
                   help="print the whole diff report, not only its summary and changed lines")
    p.add_argument("--fail-on-test-failures", action="store_true",
                   help="exit 1 also when tests failed (pytest exit 1)")
    p.add_argument("--dry-run", action="store_true",
                   help="print what would run (resolves kernels from the cache only)")
    p.add_argument("--suite", default=DEFAULT_SUITE, help=argparse.SUPPRESS)
    return p


@dataclass
class _Setup:
    """What the run needs once the checks passed."""

    py: PythonInfo
    with_profile: bool
    vng: str | None
    apt: Apt | None
    disks: GuestDisks


def _setup(args: argparse.Namespace, out: Path, cache: Path, kernels: list[str]) -> _Setup:
    """Check and prepare everything before the first run; MatrixError stops with exit 2."""
    py = find_python(args.python)
    if os.geteuid() != 0:
        raise MatrixError("run as root (sudo): the suite and the VMs need it")
    out.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    with_profile = supports_profile(py.executable, args.suite)
    if not with_profile:
        print("kernel-matrix: this checkout's pytest has no --profile option; "
              "running without profiles", file=sys.stderr)
    vng = find_vng(py, args.vng) if kernels else None
    disks = GuestDisks()
    if kernels:
        warm_bytecode(py.executable, args.suite)
        disks = _guest_disks(args, py, out, cache)
    apt = None
    if kernels and not args.offline:
        apt = Apt(cache, args.mirror, args.security_mirror, args.keyring)
        apt.setup()
    return _Setup(py, with_profile, vng, apt, disks)


def _guest_disks(args: argparse.Namespace, py: PythonInfo, out: Path, cache: Path) -> GuestDisks:
    """The checkout's image (after warm_bytecode: it holds the bytecode) and the guests' root image."""
    root = guest_root_image(cache, py.executable, args.offline) if args.guest_root == "disk" else None
    if not args.checkout_disk:
        return GuestDisks(None, root)
    t0 = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="kernel-matrix-disk-"))
    try:
        disk = build_checkout_disk(CHECKOUT, workdir, (out, cache))
    except MatrixError:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    print(f"kernel-matrix: checkout image for the guests built in {time.monotonic() - t0:.1f} s "
          f"({disk.image.stat().st_size // 2**20} MiB)", flush=True)
    return GuestDisks(disk, root)


def _run(args: argparse.Namespace, s: _Setup, out: Path, cache: Path,
         kernels: list[str]) -> list[dict[str, Any]]:
    """The host run, then the guests (all fetched first; --jobs at a time), then the diffs."""
    results: list[dict[str, Any]] = []
    host = None
    if not args.no_host:
        host = run_host(args, s.py, out, s.with_profile)
        results.append(host)
    prepared: list[tuple[str, Path] | dict[str, Any]] = []  # (release, image), or why it could not be fetched
    for spec in kernels:
        try:
            prepared.append(prepare_kernel(spec, cache, s.apt, args.flavour, args.refresh))
        except MatrixError as e:
            say(spec, f"error: {e}")
            prepared.append({"label": spec, "kind": "guest", "status": "fetch-failed", "error": str(e)})
    images = [p for p in prepared if isinstance(p, tuple)]
    accel = choose_accel(args.accel, images[0][1], cache) if images else args.accel  # probed once

    def run(p: tuple[str, Path] | dict[str, Any]) -> dict[str, Any]:
        if isinstance(p, dict):
            return p
        assert s.vng is not None
        return run_guest_retrying(args, s.py, s.vng, p[0], p[1], accel, out, s.with_profile, s.disks)

    # Guests run --jobs at a time: one TCG guest leaves a core idle while a single process works
    # (boot, pytest's collection, a run's tail, tests waiting on the kernel's timers).
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        guests = list(pool.map(run, prepared))
    results += guests
    if s.with_profile:
        run_diffs(s.py, out, host, [g for g in guests if g["status"] == "ran"], args.full_diff)
    add_slowdowns(results, out)
    return results


def main(argv: list[str] | None = None) -> int:
    """``scripts/kernel-matrix``: run the suite on the host and each guest kernel, then diff the profiles."""
    args = build_parser().parse_args(argv)
    if args.host_only and args.no_host:
        print("kernel-matrix: --host-only and --no-host exclude each other", file=sys.stderr)
        return 2
    if args.guest_root == "disk" and not args.checkout_disk:
        print("kernel-matrix: --no-checkout-disk needs --guest-root host (a guest's own root has no checkout)",
              file=sys.stderr)
        return 2
    args.pytest_extra = shlex.split(args.pytest_args)
    # guests pay ~20x per test under TCG: the exhaustive matrices run one case per class there
    args.guest_extra = ([] if args.exhaustive_in_guests else ["--sample-exhaustive"]) + args.pytest_extra
    out = Path(args.out)
    if not out.is_absolute():
        out = Path.cwd() / out
    cache = Path(args.cache).resolve() if args.cache else CHECKOUT / ".kernels"
    kernels = [] if args.host_only else parse_kernel_list(args.kernels)
    try:
        if args.dry_run:
            return dry_run(args, find_python(args.python), out, cache, kernels)
        setup = _setup(args, out, cache, kernels)
    except MatrixError as e:
        print(f"kernel-matrix: {e}", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    try:
        results = _run(args, setup, out, cache, kernels)
    finally:
        if setup.disks.checkout is not None:
            shutil.rmtree(setup.disks.checkout.image.parent, ignore_errors=True)
    print_summary(results)
    total = time.monotonic() - t0
    print(f"total: {total:.0f} s", flush=True)
    write_summary(out / "summary.json", results, total, setup.with_profile)
    render_reports(setup.py, out)
    return overall_exit(results, args.fail_on_test_failures)


def dry_run(args: argparse.Namespace, py: PythonInfo, out: Path, cache: Path,
            kernels: list[str]) -> int:
    """Print the commands a run would start (kernels resolved from the cache only)."""
    print(f"python: {py.executable}")
    if not args.no_host:
        print(f"host {host_label()}: (cd {CHECKOUT} && " + shlex.join(
            suite_command(py.executable, args.suite, str(out / host_label()), True,
                          args.pytest_extra)) + ")")
    have = cached_kernels(cache)
    disk = CheckoutDisk(Path("/tmp/kernel-matrix-disk-XXXX/checkout.ext4"), str(CHECKOUT),
                        (".git", ".kernels")) if args.checkout_disk else None
    root = cache / "guest-root-XXXX.ext4" if args.guest_root == "disk" else None
    for spec in kernels:
        kver = pick_newest_cached(have, spec, args.flavour) if is_series(spec) else spec
        if not kver:
            print(f"{spec}: not cached yet (would be fetched with apt-get download)")
            continue
        script, cmd = guest_commands(args, py, args.vng or "vng", kver, kernel_image(cache, kver),
                                     "tcg" if args.accel == "auto" else args.accel, out, True,
                                     GuestDisks(disk, root))
        print(f"{kver}: " + shlex.join(cmd))
        print(script)
    return 0
