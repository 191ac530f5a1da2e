"""One kernel's box: the base root file system + the kernel's modules and an initramfs made on
the host in the chroot, then ext4 image -> qcow2 -> a vagrant-libvirt .box.

The kernel itself is not in the image: libvirt boots it directly (lv.kernel/lv.initrd), so
nothing is installed or generated inside a (slow, TCG) guest.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tarfile
from pathlib import Path

from . import run_checked

__all__ = [
    "MODULE_EXCLUDES",
    "KERNEL_CMDLINE",
    "excluded_module_dir",
    "BOOT_MASKED_UNITS",
    "tune_boot",
    "copy_modules",
    "make_initramfs",
    "image_size_bytes",
    "make_ext4",
    "box_metadata",
    "make_box",
]

#: Module trees no guest of this suite loads (hardware it does not have): ~half the size.
MODULE_EXCLUDES = (
    "kernel/sound", "kernel/drivers/gpu", "kernel/drivers/media", "kernel/drivers/infiniband",
    "kernel/drivers/iio", "kernel/drivers/usb", "kernel/drivers/hid", "kernel/drivers/staging",
    "kernel/drivers/bluetooth", "kernel/drivers/net/wireless", "kernel/drivers/net/ethernet",
    "kernel/net/bluetooth", "kernel/net/mac80211", "kernel/net/wireless",
)
#: root is the whole virtio disk; eth0 whatever the PCI slot; serial console for the log.
KERNEL_CMDLINE = "root=/dev/vda rw console=ttyS0 net.ifnames=0 biosdevname=0 panic=30"


#: systemd units a throwaway VM without a screen does not need: each costs seconds under TCG.
BOOT_MASKED_UNITS = (
    "apt-daily.timer", "apt-daily-upgrade.timer", "dpkg-db-backup.timer", "e2scrub_all.timer",
    "e2scrub_reap.service", "fstrim.timer", "getty@.service", "getty-static.service",
    "networking.service",
)
#: DHCP on eth0 by systemd-networkd: ifupdown's dhclient-script (hundreds of shell forks)
#: took 2+ minutes under TCG on a loaded host, networkd a few seconds.
NETWORKD_ETH0 = "[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n"


def tune_boot(root: Path) -> None:
    """Mask BOOT_MASKED_UNITS and bring eth0 up with systemd-networkd instead of ifupdown."""
    etc = root / "etc" / "systemd"
    (etc / "system").mkdir(parents=True, exist_ok=True)
    for unit in BOOT_MASKED_UNITS:
        link = etc / "system" / unit
        link.unlink(missing_ok=True)
        link.symlink_to("/dev/null")
    (etc / "network").mkdir(parents=True, exist_ok=True)
    (etc / "network" / "10-eth0.network").write_text(NETWORKD_ETH0)
    wants = etc / "system" / "multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    for unit, where in (("systemd-networkd.service", wants),
                        ("systemd-networkd.socket", etc / "system" / "sockets.target.wants")):
        where.mkdir(parents=True, exist_ok=True)
        (where / unit).unlink(missing_ok=True)
        (where / unit).symlink_to(f"/lib/systemd/system/{unit}")


def excluded_module_dir(rel: str) -> bool:
    """Whether a directory (relative to lib/modules/RELEASE) is left out of the guest."""
    return any(rel == e or rel.startswith(e + "/") for e in MODULE_EXCLUDES)


def copy_modules(kernel_dir: Path, kver: str, root: Path) -> None:
    """The release's module tree (from the kernel cache) into root's /lib/modules, minus
    MODULE_EXCLUDES, then depmod in the chroot."""
    src = (kernel_dir / "lib" / "modules" / kver).resolve()
    dst = root / "usr" / "lib" / "modules" / kver  # bookworm is merged-/usr: /lib -> usr/lib

    def ignore(directory: str, names: list[str]) -> set[str]:
        rel = os.path.relpath(directory, src)
        return {n for n in names if excluded_module_dir(os.path.normpath(os.path.join(rel, n)))}

    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, symlinks=True, ignore=ignore)
    for link in ("build", "source"):  # point into the host's (absent) headers
        (dst / link).unlink(missing_ok=True)
    config = kernel_dir / "boot" / f"config-{kver}"
    if config.exists():  # mkinitramfs reads it (compression support)
        shutil.copy2(config, root / "boot" / config.name)
    run_checked(["chroot", str(root), "depmod", kver], "depmod in the chroot", 300)


def make_initramfs(root: Path, kver: str, out: Path) -> None:
    """mkinitramfs in the chroot (host speed; the same in a TCG guest took 14+ minutes)."""
    inside = f"/boot/initrd.img-{kver}"
    run_checked(["chroot", str(root), "mkinitramfs", "-o", inside, kver],
                f"mkinitramfs {kver} in the chroot", 900)
    shutil.move(str(root / inside.lstrip("/")), out)


def image_size_bytes(used_bytes: int) -> int:
    """Disk size for a root file system of *used_bytes*: +40 % and 1.5 GiB free for the suite,
    rounded up to whole GiB (metadata.json's virtual_size is in GiB)."""
    gib = 1 << 30
    return math.ceil((used_bytes * 1.4 + 1.5 * gib) / gib) * gib


def _du_bytes(root: Path) -> int:
    out = run_checked(["du", "-sxb", str(root)], "du", 600)
    return int(out.split()[0])


def make_ext4(root: Path, img: Path) -> int:
    """An unpartitioned ext4 image of root (mkfs.ext4 -d: no loop mounts); its size in bytes."""
    size = image_size_bytes(_du_bytes(root))
    img.unlink(missing_ok=True)
    with open(img, "wb") as f:
        f.truncate(size)
    run_checked(["mkfs.ext4", "-q", "-F", "-L", "root", "-d", str(root), str(img)],
                "mkfs.ext4 -d", 1200)
    return size


def box_metadata(size_bytes: int) -> dict[str, object]:
    """vagrant-libvirt's metadata.json (virtual_size in GiB, at least the image's size)."""
    return {"provider": "libvirt", "format": "qcow2",
            "virtual_size": max(1, math.ceil(size_bytes / (1 << 30)))}


def make_box(raw: Path, size: int, box: Path, work: Path) -> None:
    """raw ext4 image -> box.img (qcow2) -> an uncompressed tar .box with metadata.json and a
    minimal Vagrantfile (vagrant-libvirt reads the disk bus from there)."""
    qcow = work / "box.img"
    run_checked(["qemu-img", "convert", "-O", "qcow2", str(raw), str(qcow)], "qemu-img convert", 1200)
    (work / "metadata.json").write_text(json.dumps(box_metadata(size)))
    (work / "Vagrantfile").write_text(
        'Vagrant.configure("2") do |config|\n'
        '  config.vm.provider :libvirt do |lv|\n    lv.disk_bus = "virtio"\n  end\nend\n')
    tmp = box.with_suffix(".box.tmp")
    with tarfile.open(tmp, "w") as t:  # uncompressed: gzip of ~1 GB costs a minute, saves little
        for name in ("metadata.json", "Vagrantfile", "box.img"):
            t.add(work / name, arcname=name)
    tmp.rename(box)
    qcow.unlink()
