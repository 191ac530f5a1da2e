"""Boxes on the host: the cache key, the manifest the Vagrantfile reads, `vagrant box add`.

A box is cached as BOX_CACHE/<release>-<key>/ (<key>: a hash of the build code, so a changed
build makes a new box).  BOX_CACHE/<spec>.json (spec: 6.1, 5.10, 6.12, latest) names the box
to use for that machine and where libvirt finds its kernel and initramfs: copies under
BOOT_DIR, which the qemu user (libvirt-qemu) can reach even when the checkout is in /root.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from . import VagrantError, run_checked

__all__ = [
    "BOOT_DIR",
    "BoxInfo",
    "build_key",
    "box_name",
    "manifest_path",
    "read_manifest",
    "write_manifest",
    "stage_boot_files",
    "box_added",
    "add_box",
]

#: libvirt's own directory for direct-boot kernels (Debian creates it, mode 711).
BOOT_DIR = Path("/var/lib/libvirt/boot/netlink-probe")


@dataclass
class BoxInfo:
    """What a built box is: the manifest's fields."""

    spec: str
    release: str
    box: str
    box_file: str
    kernel: str
    initrd: str
    cmdline: str
    accel: str = "tcg"


def build_key(base_key: str, *sources: Path) -> str:
    """A short hash of the base root file system's key and the files that make the box from
    it (image): 10 hex digits."""
    h = hashlib.sha256(base_key.encode())
    for s in sources:
        h.update(s.name.encode() + b"\0" + s.read_bytes())
    return h.hexdigest()[:10]


def box_name(release: str, key: str) -> str:
    """Vagrant box name, e.g. netlink-probe/6.12.117-deb12-amd64-0123456789."""
    return "netlink-probe/" + re.sub(r"[^A-Za-z0-9._-]", "-", f"{release}-{key}")


def manifest_path(cache: Path, spec: str) -> Path:
    """BOX_CACHE/<spec>.json, the file the Vagrantfile's machine nlp-<spec> reads."""
    return cache / f"{spec}.json"


def read_manifest(cache: Path, spec: str) -> BoxInfo | None:
    """The manifest for spec, or None when no box was built for it."""
    try:
        return BoxInfo(**json.loads(manifest_path(cache, spec).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def write_manifest(cache: Path, info: BoxInfo) -> Path:
    """Write BOX_CACHE/<spec>.json; its path."""
    p = manifest_path(cache, info.spec)
    tmp = p.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(info), indent=2) + "\n")
    tmp.rename(p)
    return p


def stage_boot_files(name: str, vmlinuz: Path, initrd: Path, boot_dir: Path = BOOT_DIR) -> tuple[Path, Path]:
    """Copy the kernel and initramfs where qemu can read them; (kernel, initrd) paths."""
    d = boot_dir / name.replace("/", "-")
    d.mkdir(parents=True, exist_ok=True)
    for p in (boot_dir.parent, boot_dir, d):  # traversable by the qemu user
        if p.exists():
            p.chmod(p.stat().st_mode | 0o111)
    out = (d / "vmlinuz", d / "initrd.img")
    for src, dst in zip((vmlinuz, initrd), out):
        if not dst.exists() or dst.stat().st_size != src.stat().st_size:
            shutil.copyfile(src, dst)
        dst.chmod(0o644)
    return out


def box_added(name: str) -> bool:
    """Whether `vagrant box list` has the box (for the libvirt provider)."""
    out = run_checked(["vagrant", "box", "list", "--machine-readable"], "vagrant box list", 120)
    return any(line.split(",")[3:4] == [name] for line in out.splitlines()
               if ",box-name," in line)


def add_box(name: str, box_file: Path) -> None:
    """`vagrant box add` unless already there."""
    if box_added(name):
        print(f"vagrant-box: box {name} already added", flush=True)
        return
    if not box_file.exists():
        raise VagrantError(f"{box_file} is missing; build the box again (--rebuild)")
    print(f"vagrant-box: vagrant box add {name}", flush=True)
    run_checked(["vagrant", "box", "add", "--force", "--name", name, str(box_file)],
                "vagrant box add", 1200)
