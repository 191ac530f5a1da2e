"""The guests' root file system: a Debian 12 disk image with the suite's dependencies.

vng shares the host's root with a guest over 9p, uncached.  Under TCG that makes every program start
slow: in a 6.1 guest `ip link show lo` took 0.19 s with the host's root over 9p and 0.086 s with an
ext4 root on virtio-blk; a Python loop 2.9 s against 1.7 s (measured, docs/kernel-matrix.md).  The
suite starts `ip`, `bridge` and `nsenter` hundreds of times, and its xdist workers are Pythons.

The image is built once and cached beside the kernels (CACHE/guest-root-<key>.ext4): debootstrap of
Debian 12 (minbase and PACKAGES) from the Debian mirror the host's apt uses, then pyroute2 copied from
the host's interpreter (pure Python; Debian 12 has 0.7 and the suite wants >= 0.9).  vng boots it
read-only (`--root-disk`; virtme-init puts tmpfs overlays on /etc, /var, /tmp), exports the kernel's
modules on a mount of its own, and the checkout comes on its own disk (checkout_disk), mounted at
GUEST_CHECKOUT.  The guest runs the suite with Debian's python3, whose 3.11 ABI loads the host-built
binding and the bytecode warm_bytecode wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from . import MatrixError, run_checked
from .checkout_disk import make_ext4
from .sources import DEFAULT_KEYRING, find_debian_mirrors, host_apt_entries

__all__ = ["GUEST_CHECKOUT", "GUEST_PYTHON", "PACKAGES", "guest_root_image", "image_key"]

SUITE = "bookworm"
#: What the suite runs with in the guest: its interpreter and test runner as Debian 12 has them (pytest 7.2,
#: xdist 3.1, cffi's backend for the host-built binding, PyYAML for YNL's specs), its oracles and tools, and udev
#: (virtme-ng finds the virtio-serial port of --exec through it: without, vng exits 255).
PACKAGES = ("python3", "python3-cffi-backend", "python3-pytest", "python3-pytest-xdist", "python3-yaml",
            "iproute2", "kmod", "procps", "netbase", "util-linux", "udev")
#: Bump when what build_root writes changes (the image is cached by this, SUITE, PACKAGES and pyroute2's version).
VERSION = 2
GUEST_CHECKOUT = "/checkout"
#: What systemd's modprobe.d/systemd.conf says on the host and in the Vagrant box (minbase has no systemd):
#: a link kind's module loaded on demand (a test's RTM_NEWLINK in its own namespace) must not also create
#: devices of its own in the initial namespace (dummy0, bond0, ifb0/ifb1), which the suite's guard of that
#: namespace would report as a change.
MODPROBE_CONF = "options bonding max_bonds=0\noptions dummy numdummies=0\noptions ifb numifbs=0\n"
GUEST_PYTHON = "/usr/bin/python3"


def _host_pyroute2(python: str) -> tuple[Path, Path]:
    """pyroute2's package directory and its .dist-info directory in *python*'s site-packages."""
    code = ("import json, os, pyroute2, importlib.metadata as m; d = m.distribution('pyroute2'); "
            "meta = next(f for f in d.files if f.name == 'METADATA'); "
            "print(json.dumps([os.path.dirname(pyroute2.__file__), str(d.locate_file(meta).parent)]))")
    try:
        r = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise MatrixError(f"pyroute2 not found in {python}: {e}") from e
    if r.returncode != 0:
        raise MatrixError(f"pyroute2 not found in {python}: {r.stderr.strip()[-300:]}")
    pkg, dist = json.loads(r.stdout.strip().splitlines()[-1])
    return Path(pkg), Path(dist)


def image_key(pyroute2_dist: Path) -> str:
    """10 hex digits naming the image build_root makes (pyroute2's version is in its .dist-info name)."""
    data = json.dumps([VERSION, SUITE, PACKAGES, pyroute2_dist.name])
    return hashlib.sha256(data.encode()).hexdigest()[:10]


def _build_root(root: Path, mirror: str, debs: Path, pyroute2: tuple[Path, Path]) -> None:
    if not shutil.which("debootstrap"):
        raise MatrixError("debootstrap not found (ci/install.sh --matrix); or run with --guest-root host")
    debs.mkdir(parents=True, exist_ok=True)
    run_checked(["debootstrap", "--variant=minbase", f"--cache-dir={debs}", f"--keyring={DEFAULT_KEYRING}",
                 "--include=" + ",".join(PACKAGES), SUITE, str(root), mirror], "debootstrap", 2400)
    site = root / "usr/local/lib/python3.11/dist-packages"
    site.mkdir(parents=True, exist_ok=True)
    pkg, dist = pyroute2
    shutil.copytree(pkg, site / pkg.name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(dist, site / dist.name)
    (root / GUEST_CHECKOUT.lstrip("/")).mkdir()
    (root / "etc/modprobe.d").mkdir(parents=True, exist_ok=True)
    (root / "etc/modprobe.d/netlink-probe.conf").write_text(MODPROBE_CONF)
    shutil.rmtree(root / "var/cache/apt/archives", ignore_errors=True)
    (root / "etc/machine-id").write_text("")


def guest_root_image(cache: Path, python: str, offline: bool = False) -> Path:
    """CACHE/guest-root-<key>.ext4, built when missing (about a minute, once; not *offline*: debootstrap
    downloads); MatrixError when it cannot be."""
    def not_cached(name: str) -> MatrixError:
        return MatrixError(f"--offline and no guest root cached ({name}): run once without --offline, "
                           "or use --guest-root host")
    if offline and not any(cache.glob("guest-root-*.ext4")):
        raise not_cached("guest-root-*.ext4")
    pyroute2 = _host_pyroute2(python)
    image = cache / f"guest-root-{image_key(pyroute2[1])}.ext4"
    if image.exists():
        return image
    if offline:
        raise not_cached(image.name)
    archive, _security, _signed = find_debian_mirrors(host_apt_entries())
    if not archive:
        raise MatrixError("no Debian archive (.../debian) in the host's apt sources for the guest root; "
                          "or run with --guest-root host")
    work = cache / f".guest-root-{os.getpid()}.tmp"
    shutil.rmtree(work, ignore_errors=True)
    root = work / "root"
    print(f"kernel-matrix: building the guests' root file system (debootstrap {SUITE} from {archive}; once)…",
          flush=True)
    t0 = time.monotonic()
    try:
        _build_root(root, archive, cache / "debs-guest-root", pyroute2)
        tmp_image = work / "root.ext4"
        make_ext4(root, tmp_image, "nlp-guest-root")
        tmp_image.rename(image)  # complete or absent: an interrupted build is never used
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"kernel-matrix: guest root ready in {time.monotonic() - t0:.0f} s: {image}", flush=True)
    return image
