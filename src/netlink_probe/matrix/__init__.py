"""The kernel matrix: the conformance suite on the host kernel and on Debian guest kernels.

    sudo scripts/kernel-matrix --kernels 6.1,6.12 --out results/

For each kernel the suite runs once (on the host directly, on a guest kernel inside a
virtme-ng VM booting its own small root image); the profiles are diffed
against the host's.  docs/kernel-matrix.md describes the outputs, the cache and the VM.

    cli        command line and the run from start to summary.json
    kernels    kernel specs, Debian release names, the unpacked-kernel cache
    sources    apt sources: the host's Debian mirror, the private sources file
    apt        apt-get/apt-cache with private state (never the host's)
    vm         the guest: acceleration (KVM or TCG), its script, the vng command
    guest_root the guests' own Debian 12 root image (built once, cached)
    checkout_disk  the checkout as an ext4 image for the guests
    suite      the interpreter and the pytest command (same on host and guests)
    progress   running a command into logs while following pytest's progress
    runs       one run of the suite (host or guest) and its result record
    junit      counts and per-test times from JUnit reports
    diffs      `netlink-probe diff` of each guest against the host
    report     the summary table, summary.json and the exit status

Python 3.11 standard library only (it drives the suite; it does not import the library).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["CHECKOUT", "MatrixError", "run_checked"]

#: The checkout the suite runs from (this package lives in CHECKOUT/src/netlink_probe/matrix).
CHECKOUT = Path(__file__).resolve().parents[3]


class MatrixError(Exception):
    """A setup problem that stops the whole run (exit status 2) or fails one kernel."""


def run_checked(cmd: list[str], what: str, timeout: float) -> None:
    """Run *cmd* (output captured); MatrixError naming *what* when it cannot start, times out or fails."""
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise MatrixError(f"{what} failed: {e}") from e
    if r.returncode != 0:
        raise MatrixError(f"{what} failed (exit {r.returncode}): {(r.stderr or r.stdout).strip()[-1500:]}")
