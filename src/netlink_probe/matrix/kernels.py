"""Guest kernels: what --kernels names, Debian's release names, and the unpacked-kernel cache.

A spec is a series ('6.1': the newest Debian package of it; '5.10' from bullseye), 'latest' (the
newest generic image in any suite: sid's), a release ('6.1.0-57-amd64') or a path to
boot/vmlinuz-RELEASE.  Since Debian 14 ``linux-image-RELEASE`` is a small package that depends on
``linux-binary-RELEASE`` (vmlinuz, under usr/lib/modules/RELEASE) and ``linux-modules-RELEASE``:
those are fetched and unpacked with it.  A prepared kernel lives in CACHE/<release>/ as the package's
files (boot/vmlinuz-RELEASE, lib/modules/RELEASE with modules.dep from depmod); it is fetched
once and never again.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from . import MatrixError
from .apt import Apt
from .progress import say

__all__ = [
    "parse_kernel_list",
    "is_series",
    "kernel_version_key",
    "image_package_pattern",
    "pick_newest_image",
    "pick_newest_cached",
    "cached_kernels",
    "kernel_image",
    "prepare_kernel",
    "split_packages",
    "LATEST",
]


def parse_kernel_list(text: str) -> list[str]:
    """'6.1, 6.12,,6.1' -> ['6.1', '6.12'] (order kept, duplicates dropped)."""
    out: list[str] = []
    for item in text.split(","):
        item = item.strip()
        if item and item not in out:
            out.append(item)
    return out


LATEST = "latest"


def is_series(spec: str) -> bool:
    """'6.1', '6.12' (a major.minor series) or 'latest': resolved to the newest package."""
    return spec == LATEST or re.fullmatch(r"\d+\.\d+", spec) is not None


def kernel_version_key(kver: str) -> tuple[int, int, int, int, str]:
    """Sort key for Debian kernel release names, e.g. 6.1.0-57-amd64, 6.12.117+deb12-amd64,
    6.12.9+bpo-amd64: numbers compare numerically, then the rest as text."""
    m = re.match(r"(\d+)\.(\d+)\.(\d+)(?:-(\d+))?(.*)$", kver)
    if not m:
        return (0, 0, 0, 0, kver)
    a, b, c, abi, rest = m.groups()
    return (int(a), int(b), int(c), int(abi or 0), rest)


def image_package_pattern(series: str, flavour: str = "amd64") -> re.Pattern[str]:
    """Package names of one series and flavour: linux-image-6.1.0-57-amd64,
    linux-image-6.12.117+deb12-amd64, linux-image-6.12.9+bpo-amd64 (not -cloud-, -rt-,
    -dbg, -unsigned, nor the linux-image-amd64 meta package)."""
    s = r"\d+\.\d+" if series == LATEST else re.escape(series)
    f = re.escape(flavour)
    return re.compile(rf"^linux-image-({s}\.\d+(?:-\d+)?(?:\+[a-z0-9.]+)?-{f})$")


def pick_newest_image(pkgnames: Iterable[str], series: str, flavour: str = "amd64") -> str | None:
    """Return the newest kernel release (e.g. '6.1.0-57-amd64') of a series among names."""
    pat = image_package_pattern(series, flavour)
    kvers = [m.group(1) for m in (pat.match(n.strip()) for n in pkgnames) if m]
    if not kvers:
        return None
    return max(kvers, key=kernel_version_key)


def pick_newest_cached(kvers: Iterable[str], series: str, flavour: str = "amd64") -> str | None:
    """The newest cached release of a series."""
    return pick_newest_image((f"linux-image-{k}" for k in kvers), series, flavour)


def cached_kernels(cache: Path) -> list[str]:
    """Kernel releases that are unpacked and prepared (boot/vmlinuz + modules.dep)."""
    out = []
    if cache.is_dir():
        for d in cache.iterdir():
            k = d.name
            if (d / "boot" / f"vmlinuz-{k}").exists() and \
                    (d / "lib" / "modules" / k / "modules.dep").exists():
                out.append(k)
    return out


def kernel_image(cache: Path, kver: str) -> Path:
    """Where a cached release's vmlinuz is."""
    return cache / kver / "boot" / f"vmlinuz-{kver}"


def _resolve_series(spec: str, cache: Path, apt: Apt | None, flavour: str, refresh: bool) -> str:
    """The newest release of a series in the archive; the newest cached one if apt fails."""
    kver = None
    if apt is not None:
        say(spec, "looking up the newest package…")
        try:
            apt.update(force=refresh)
            prefix = "linux-image-" if spec == LATEST else f"linux-image-{spec}."
            kver = pick_newest_image(apt.pkgnames(prefix), spec, flavour)
        except MatrixError as e:
            print(f"[{spec}] warning: {e}", file=sys.stderr)
    if kver is None:
        kver = pick_newest_cached(cached_kernels(cache), spec, flavour)
    if kver is None:
        raise MatrixError(f"no linux-image-{spec}.*-{flavour} package found (and none cached)")
    return kver


def _unpack(debs: list[Path], kver: str, kdir: Path) -> None:
    """dpkg-deb -x the packages and run depmod, in a temporary directory renamed to kdir at
    the end (an interrupted unpack never looks prepared)."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{kver}.", dir=kdir.parent))
    try:
        for deb in debs:
            subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], check=True)
        image = tmp / "boot" / f"vmlinuz-{kver}"
        split_image = tmp / "usr" / "lib" / "modules" / kver / "vmlinuz"
        if not image.exists() and split_image.exists():  # Debian 14 layout: vmlinuz beside the modules
            image.parent.mkdir(exist_ok=True)
            os.symlink(f"../usr/lib/modules/{kver}/vmlinuz", image)
        if not image.exists():
            raise MatrixError(f"{kver}: no vmlinuz in {', '.join(d.name for d in debs)}")
        moddir = tmp / "lib" / "modules" / kver
        # newer packages keep modules under usr/lib; depmod -b and vng look in lib/modules
        if not moddir.is_dir() and (tmp / "usr" / "lib" / "modules" / kver).is_dir():
            (tmp / "lib").mkdir(exist_ok=True)
            (tmp / "lib" / "modules").mkdir(exist_ok=True)
            os.symlink(f"../../usr/lib/modules/{kver}", moddir)
        depmod = shutil.which("depmod") or "/sbin/depmod"
        subprocess.run([depmod, "-b", str(tmp), kver], check=True)
        if kdir.exists():
            shutil.rmtree(kdir)
        tmp.rename(kdir)
    except (subprocess.CalledProcessError, OSError, MatrixError) as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise MatrixError(f"preparing {kver} failed: {e}") from e


def split_packages(kver: str, available: Iterable[str]) -> list[str]:
    """The packages that hold a Debian 14 style kernel's files beside linux-image-KVER
    (linux-binary-KVER: vmlinuz; linux-modules-KVER), those of them *available* has."""
    have = set(available)
    return [p for p in (f"linux-binary-{kver}", f"linux-modules-{kver}") if p in have]


def prepare_kernel(spec: str, cache: Path, apt: Apt | None, flavour: str,
                   refresh: bool) -> tuple[str, Path]:
    """Resolve spec (series '6.1', release '6.1.0-57-amd64', or a vmlinuz path) to
    (release, vmlinuz path), downloading and unpacking into cache when needed."""
    p = Path(spec)
    if "/" in spec and p.exists():
        m = re.match(r"vmlinu[xz]-(.+)$", p.name)
        if not m:
            raise MatrixError(f"{spec}: expected a file named vmlinuz-RELEASE with its modules "
                              "in ../lib/modules/RELEASE")
        return m.group(1), p.resolve()
    kver = _resolve_series(spec, cache, apt, flavour, refresh) if is_series(spec) else spec
    kimg = kernel_image(cache, kver)
    if kver in cached_kernels(cache):
        return kver, kimg
    if apt is None:
        raise MatrixError(f"{kver} is not in the cache {cache} and --offline was given")
    say(kver, "downloading…")
    apt.update(force=refresh)
    debs = [apt.download(f"linux-image-{kver}", cache / "debs")]
    names = apt.pkgnames("linux-binary-") + apt.pkgnames("linux-modules-")
    debs += [apt.download(p, cache / "debs") for p in split_packages(kver, names)]
    say(kver, f"unpacking {', '.join(d.name for d in debs)}…")
    _unpack(debs, kver, cache / kver)
    return kver, kimg
