"""The checkout on a disk image for the guests: the suite's files read off virtio-blk, not 9p.

vng shares the host's root with the guest over 9p, so under TCG every stat and read of the suite's
files is a round trip to the host.  The same sampled suite ran three times faster in the Vagrant VM,
whose files are on its own disk; on the 6.1 kernel a unit-test subset took 41 s with the checkout
over 9p and 30 s with it on an ext4 image (measured, docs/kernel-matrix.md).

The image is built once per run from hard links to the checkout (nothing is copied twice), without
the large directories only the host uses: .git, the kernel cache, the outputs.  The guest mounts it
over the checkout's path and binds those directories back from the 9p share (vng links the guest
kernel's modules into the kernel cache), so every path the suite sees is the host's.  Each guest opens
the image with qemu's snapshot=on: its writes go to a throwaway overlay, the image stays as built.
"""

from __future__ import annotations

import os
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import MatrixError, run_checked

__all__ = ["SERIAL", "CheckoutDisk", "build_checkout_disk", "guest_mount_lines", "make_ext4", "qemu_options"]

#: The virtio-blk serial the guest finds the image by (/sys/block/vdX/serial).
SERIAL = "kmcheckout"

#: Top-level directories the suite does not read in guests; bound back from the 9p share.
HOST_ONLY = (".git", ".kernels", ".mypy_cache", ".benchmarks", ".hypothesis", ".pytest_cache", "results",
             ".vagrant", ".vagrant-boxes", "build")


@dataclass(frozen=True)
class CheckoutDisk:
    """An ext4 image of the checkout, where the guest mounts it, and the top-level directories it leaves
    on the host's root (bound back from there; none when the guest's root is not the host's)."""

    image: Path
    checkout: str
    host_only: tuple[str, ...]


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(src, dst)


def _tree_bytes(root: Path) -> int:
    return sum(os.lstat(os.path.join(d, f)).st_size for d, _, files in os.walk(root) for f in files)


def build_checkout_disk(checkout: Path, workdir: Path, also_host_only: tuple[Path, ...] = ()) -> CheckoutDisk:
    """The image of *checkout* in *workdir*; *also_host_only*: more paths (--out, --cache) to leave out
    when they are top-level directories of the checkout.  MatrixError when mke2fs is missing or fails."""
    skip = set(HOST_ONLY)
    for p in also_host_only:
        p = p.resolve()
        if p.parent == checkout.resolve():
            skip.add(p.name)
    stage = workdir / "checkout"
    stage.mkdir()
    host_only = []
    for entry in sorted(checkout.iterdir()):
        dst = stage / entry.name
        is_dir = entry.is_dir() and not entry.is_symlink()
        if entry.name in skip:
            if is_dir:
                dst.mkdir()  # the mount point it is bound back on
                host_only.append(entry.name)
        elif entry.is_dir():  # a top-level link to a directory (a worktree's .linux-source) is followed:
            # the guest may not see its target
            shutil.copytree(entry.resolve(), dst, symlinks=True, copy_function=_link_or_copy)
        elif entry.is_symlink():
            os.symlink(os.readlink(entry), dst)
        else:
            _link_or_copy(str(entry), str(dst))
    image = workdir / "checkout.ext4"
    try:
        make_ext4(stage, image, SERIAL)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return CheckoutDisk(image, str(checkout), tuple(host_only))


def make_ext4(tree: Path, image: Path, label: str) -> None:
    """An ext4 image of *tree* (mke2fs -d: no loop mount, no journal), with room for the guest's own writes
    (they land in its snapshot overlay, but need free blocks).  MatrixError when mke2fs is missing or fails."""
    mke2fs = shutil.which("mke2fs") or shutil.which("mke2fs", path="/sbin:/usr/sbin")
    if not mke2fs:
        raise MatrixError("mke2fs not found (Debian: e2fsprogs; ci/install.sh --matrix)")
    mib = _tree_bytes(tree) * 5 // 4 // 2**20 + 256
    run_checked([mke2fs, "-q", "-F", "-t", "ext4", "-O", "^has_journal", "-L", label, "-d", str(tree), str(image),
                 f"{mib}M"], "mke2fs", 600)


def qemu_options(disk: CheckoutDisk) -> str:
    """The drive and its virtio-blk device (read-only base, writes to a per-guest throwaway overlay)."""
    return (f"-drive file={disk.image},if=none,id={SERIAL},format=raw,snapshot=on "
            f"-device virtio-blk-pci,drive={SERIAL},serial={SERIAL}")


def guest_mount_lines(disk: CheckoutDisk) -> list[str]:
    """Guest shell lines: find the device by its serial, mount it at disk.checkout, bind the host-only
    directories back (with the host's root over 9p; on any failure the checkout stays on 9p: slower, the
    same files)."""
    q = shlex.quote
    co = q(disk.checkout)
    binds = "; ".join(f"mount --bind /run/kmhost/{q(n)} {co}/{q(n)}" for n in disk.host_only) or ":"
    keep = f"mkdir -p /run/kmhost && mount --bind {co} /run/kmhost && " if disk.host_only else ""
    return [
        "modprobe -q virtio_blk 2>/dev/null; modprobe -q ext4 2>/dev/null",
        "kmdev=''",
        "for i in 1 2 3 4 5 6 7 8 9 10; do",
        "  for d in /sys/block/vd*; do",
        f"    [ \"$(cat \"$d/serial\" 2>/dev/null)\" = {SERIAL} ] && kmdev=/dev/${{d##*/}}",
        "  done",
        "  [ -n \"$kmdev\" ] && break; sleep 0.5",
        "done",
        f"if [ -n \"$kmdev\" ] && {keep}mount -t ext4 -o noatime \"$kmdev\" {co}; then",
        f"  {binds}",
        "  echo \"kernel-matrix: the checkout is on $kmdev\" >&2",
        "else",
        f"  echo 'kernel-matrix: the checkout disk is not mounted; {disk.checkout} is what the root has there' >&2",
        "fi",
    ]
