"""scripts/vagrant-box: build (or reuse) the box of one matrix kernel, add it, write its manifest.

    sudo scripts/vagrant-box --kernel 6.1            # also 5.10, 6.12, latest, 6.1.0-57-amd64
    sudo scripts/vagrant-box --kernel 6.1,6.12 --rebuild

Exit status 0 when every box is ready, 2 when a step failed (the message names it).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from . import BOX_CACHE, KERNEL_CACHE, VagrantError, run_checked
from .boxes import BoxInfo, add_box, box_added, box_name, build_key, stage_boot_files, write_manifest
from .image import KERNEL_CMDLINE, copy_modules, make_box, make_ext4, make_initramfs, tune_boot
from .libvirt import check_host, choose_accel
from .rootfs import base_rootfs, find_mirror, rootfs_key
from .wheelhouse import ensure_wheelhouse

__all__ = ["BOX_FILE", "build_parser", "resolve_kernel", "build_box", "main"]

BOX_FILE = "netlink-probe.box"


def build_parser() -> argparse.ArgumentParser:
    """The scripts/vagrant-box options (scripts/vagrant-ci shares --kernel .. --offline)."""
    p = argparse.ArgumentParser(prog="vagrant-box", description=(
        "Build offline, from Debian's mirror, the Vagrant (libvirt) box that boots one matrix "
        "kernel directly, add it to Vagrant and write the manifest the Vagrantfile reads."))
    add_box_options(p)
    return p


def add_box_options(p: argparse.ArgumentParser) -> None:
    """Options shared by scripts/vagrant-box and scripts/vagrant-ci."""
    p.add_argument("--kernel", default="6.1",
                   help="comma-separated kernel specs as scripts/kernel-matrix takes them "
                        "(6.1, 5.10, 6.12, latest, or a release) (default: %(default)s)")
    p.add_argument("--rebuild", action="store_true", help="build even when a cached box matches")
    p.add_argument("--mirror", default=None,
                   help="Debian archive URL (default: the one in the host's apt sources)")
    p.add_argument("--accel", choices=("auto", "kvm", "tcg"), default="auto",
                   help="libvirt driver: auto probes whether KVM really runs a guest")
    p.add_argument("--offline", action="store_true",
                   help="only kernels already in the kernel cache; no apt for kernels")
    p.add_argument("--cache", default=str(BOX_CACHE), help="box cache (default: %(default)s)")


def resolve_kernel(spec: str, mirror: str | None, offline: bool) -> tuple[str, Path]:
    """(release, vmlinuz) of a spec, fetched into the kernel matrix's cache when needed."""
    from ..matrix import MatrixError
    from ..matrix.apt import Apt
    from ..matrix.kernels import prepare_kernel

    KERNEL_CACHE.mkdir(parents=True, exist_ok=True)
    try:
        apt = None
        if not offline:
            apt = Apt(KERNEL_CACHE, mirror, None, None)
            apt.setup()
        return prepare_kernel(spec, KERNEL_CACHE, apt, "amd64", False)
    except MatrixError as e:
        raise VagrantError(f"kernel {spec}: {e}") from e


def _build_image(cache: Path, kver: str, base: Path, out_dir: Path) -> None:
    """base rootfs + modules + initramfs -> out_dir/{BOX_FILE, initrd.img} (via a temp dir)."""
    work = cache / f".work-{kver}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    root = work / "root"
    try:
        t0 = time.monotonic()
        run_checked(["cp", "-a", "--reflink=auto", str(base), str(root)], "copying the base rootfs", 1200)
        tune_boot(root)
        copy_modules(KERNEL_CACHE / kver, kver, root)
        make_initramfs(root, kver, work / "initrd.img")
        print(f"vagrant-box: modules and initramfs in the chroot ({time.monotonic() - t0:.0f} s)", flush=True)
        t0 = time.monotonic()
        size = make_ext4(root, work / "root.img")
        shutil.rmtree(root)
        make_box(work / "root.img", size, work / BOX_FILE, work)
        (work / "root.img").unlink()
        print(f"vagrant-box: ext4 {size >> 30} GiB -> qcow2 -> {BOX_FILE} ({time.monotonic() - t0:.0f} s)", flush=True)
        shutil.rmtree(out_dir, ignore_errors=True)
        work.rename(out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def build_box(spec: str, cache: Path, mirror: str | None = None, rebuild: bool = False,
              accel: str = "auto", offline: bool = False) -> BoxInfo:
    """Everything for one kernel: kernel, cached or new box, `vagrant box add`, boot files,
    wheelhouse, manifest.  The manifest's BoxInfo."""
    t0 = time.monotonic()
    cache.mkdir(parents=True, exist_ok=True)
    kver, vmlinuz = resolve_kernel(spec, mirror, offline)
    base_key = rootfs_key()
    key = build_key(base_key, Path(__file__).with_name("image.py"))
    name = box_name(kver, key)
    out_dir = cache / f"{kver}-{key}"
    if rebuild or not ((out_dir / BOX_FILE).exists() and (out_dir / "initrd.img").exists()):
        print(f"vagrant-box: building {name}", flush=True)
        base = base_rootfs(cache, base_key, mirror or find_mirror())
        _build_image(cache, kver, base, out_dir)
        if box_added(name):  # a rebuild: the added copy is stale
            run_checked(["vagrant", "box", "remove", "--force", name], "vagrant box remove", 300)
    else:
        print(f"vagrant-box: box cached: {out_dir / BOX_FILE}", flush=True)
    add_box(name, out_dir / BOX_FILE)
    kernel, initrd = stage_boot_files(name, vmlinuz, out_dir / "initrd.img")
    ensure_wheelhouse(cache / "wheelhouse")
    info = BoxInfo(spec=spec, release=kver, box=name, box_file=str(out_dir / BOX_FILE),
                   kernel=str(kernel), initrd=str(initrd), cmdline=KERNEL_CMDLINE,
                   accel=choose_accel(accel, vmlinuz, KERNEL_CACHE))
    path = write_manifest(cache, info)
    print(f"vagrant-box: {spec}: {name} ready, {info.accel}, manifest {path} "
          f"({time.monotonic() - t0:.0f} s)", flush=True)
    return info


def main(argv: list[str] | None = None) -> int:
    """scripts/vagrant-box."""
    from ..matrix.kernels import parse_kernel_list

    args = build_parser().parse_args(argv)
    try:
        check_host()
        for spec in parse_kernel_list(args.kernel):
            build_box(spec, Path(args.cache).resolve(), args.mirror, args.rebuild, args.accel,
                      args.offline)
    except VagrantError as e:
        print(f"vagrant-box: error: {e}", file=sys.stderr)
        return 2
    return 0
