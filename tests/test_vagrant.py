"""netlink_probe.vagrant: the pure parts of the box build, the manifest and the CI driver."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest

from netlink_probe.vagrant import boxes, ci, image, libvirt, rootfs, wheelhouse

CHECKOUT = Path(__file__).resolve().parent.parent


def test_rootfs_key_is_stable_and_short() -> None:
    assert rootfs.rootfs_key() == rootfs.rootfs_key()
    assert re.fullmatch(r"[0-9a-f]{10}", rootfs.rootfs_key())


def test_rootfs_key_changes_with_the_package_list(monkeypatch: pytest.MonkeyPatch) -> None:
    before = rootfs.rootfs_key()
    monkeypatch.setattr(rootfs, "PACKAGES", rootfs.PACKAGES + ("strace",))
    assert rootfs.rootfs_key() != before


def test_debootstrap_command_is_private_and_includes_the_packages(tmp_path: Path) -> None:
    cmd = rootfs.debootstrap_command(tmp_path / "r", "http://deb.debian.org/debian", tmp_path / "d")
    assert cmd[:2] == ["debootstrap", "--variant=minbase"]
    assert f"--cache-dir={tmp_path / 'd'}" in cmd
    assert cmd[-3:] == ["bookworm", str(tmp_path / "r"), "http://deb.debian.org/debian"]
    included = next(a for a in cmd if a.startswith("--include=")).split("=", 1)[1].split(",")
    for needed in ("openssh-server", "sudo", "rsync", "python3-pytest-xdist", "initramfs-tools"):
        assert needed in included


def test_guest_files_name_the_disk_the_nic_and_the_initramfs_modules() -> None:
    assert rootfs.GUEST_FILES["etc/fstab"].startswith("/dev/vda / ext4")
    assert "iface eth0 inet dhcp" in rootfs.GUEST_FILES["etc/network/interfaces.d/eth0"]
    mods = rootfs.GUEST_FILES["etc/initramfs-tools/modules"].split()
    assert {"virtio_pci", "virtio_blk", "ext4"} <= set(mods)
    assert "root=/dev/vda" in image.KERNEL_CMDLINE and "net.ifnames=0" in image.KERNEL_CMDLINE


@pytest.mark.parametrize("rel,excluded", [
    ("kernel/sound", True),
    ("kernel/drivers/gpu/drm", True),
    ("kernel/drivers/net/wireless", True),
    ("kernel/drivers/net", False),
    ("kernel/drivers/net/vxlan", False),
    ("kernel/net/8021q", False),
    ("kernel/drivers/gpufoo", False),
])
def test_excluded_module_dir(rel: str, excluded: bool) -> None:
    assert image.excluded_module_dir(rel) is excluded


def test_image_size_leaves_room_and_is_whole_gib() -> None:
    gib = 1 << 30
    size = image.image_size_bytes(700 * (1 << 20))
    assert size % gib == 0 and size >= 700 * (1 << 20) * 1.4 + 1.5 * gib


def test_box_metadata_rounds_up_to_gib() -> None:
    assert image.box_metadata((2 << 30) + 1) == {"provider": "libvirt", "format": "qcow2",
                                                  "virtual_size": 3}


def test_box_name_is_safe_for_vagrant_and_libvirt() -> None:
    assert boxes.box_name("6.12.117+deb12-amd64", "0123456789") == \
        "netlink-probe/6.12.117-deb12-amd64-0123456789"


def test_build_key_depends_on_base_and_sources(tmp_path: Path) -> None:
    f = tmp_path / "image.py"
    f.write_text("a")
    k1 = boxes.build_key("base1", f)
    assert k1 != boxes.build_key("base2", f)
    f.write_text("b")
    assert k1 != boxes.build_key("base1", f)


def test_manifest_round_trip_and_missing(tmp_path: Path) -> None:
    info = boxes.BoxInfo(spec="6.1", release="6.1.0-57-amd64", box="netlink-probe/x",
                         box_file="/b", kernel="/k", initrd="/i", cmdline="root=/dev/vda")
    boxes.write_manifest(tmp_path, info)
    assert boxes.read_manifest(tmp_path, "6.1") == info
    assert boxes.read_manifest(tmp_path, "6.12") is None
    (tmp_path / "5.10.json").write_text("{not json")
    assert boxes.read_manifest(tmp_path, "5.10") is None


def test_vagrantfile_reads_the_manifest_fields_boxinfo_writes() -> None:
    text = (CHECKOUT / "Vagrantfile").read_text()
    used = set(re.findall(r'm\["(\w+)"\]', text))
    assert used and used <= {f.name for f in dataclasses.fields(boxes.BoxInfo)}


def test_vagrantfile_copies_what_the_provision_script_writes() -> None:
    vf = (CHECKOUT / "Vagrantfile").read_text()
    listed = set(re.search(r"RESULT_FILES = %w\[([^\]]+)\]", vf).group(1).split())  # type: ignore[union-attr]
    script = (CHECKOUT / "ci" / "vagrant-provision.sh").read_text()
    written = set(re.findall(r'\$RESULTS/\$name\.([\w.]+)', script))
    assert written <= listed


def test_stage_boot_files_copies_readable_files(tmp_path: Path) -> None:
    k, i = tmp_path / "vmlinuz-x", tmp_path / "initrd"
    k.write_bytes(b"kernel")
    i.write_bytes(b"initrd")
    kernel, initrd = boxes.stage_boot_files("netlink-probe/6.1-abc", k, i, tmp_path / "boot" / "nlp")
    assert kernel.read_bytes() == b"kernel" and initrd.read_bytes() == b"initrd"
    assert kernel.parent.name == "netlink-probe-6.1-abc"
    assert kernel.stat().st_mode & 0o004


def test_wheelhouse_satisfied_needs_a_new_enough_pure_wheel(tmp_path: Path) -> None:
    assert not wheelhouse.wheelhouse_satisfied(tmp_path / "none")
    (tmp_path / "pyroute2-0.7.12-py3-none-any.whl").touch()
    assert not wheelhouse.wheelhouse_satisfied(tmp_path)
    (tmp_path / "pyroute2-0.9.2-py3-none-any.whl").touch()
    assert wheelhouse.wheelhouse_satisfied(tmp_path)


@pytest.mark.parametrize("line,expected", [
    ("    nlp-6.1: @@netlink-probe-progress {}", "@@netlink-probe-progress {}"),
    ("==> nlp-6.12: Booting", "Booting"),
    ("plain", "plain"),
])
def test_strip_machine_prefix(line: str, expected: str) -> None:
    assert ci.strip_machine_prefix(line) == expected


def test_missing_tools_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libvirt.shutil, "which", lambda tool, path=None: None)
    missing = libvirt.missing_tools()
    assert "debootstrap (debootstrap)" in missing and "nc (netcat-openbsd)" in missing


def test_choose_accel_honours_an_explicit_choice(tmp_path: Path) -> None:
    assert libvirt.choose_accel("tcg", tmp_path / "vmlinuz", tmp_path) == "tcg"
    assert libvirt.choose_accel("kvm", tmp_path / "vmlinuz", tmp_path) == "kvm"


def test_tune_boot_masks_units_and_enables_networkd(tmp_path: Path) -> None:
    image.tune_boot(tmp_path)
    system = tmp_path / "etc/systemd/system"
    for unit in ("apt-daily.timer", "networking.service", "getty@.service"):
        assert os.readlink(system / unit) == "/dev/null"
    assert os.readlink(system / "multi-user.target.wants/systemd-networkd.service") == \
        "/lib/systemd/system/systemd-networkd.service"
    assert "Name=eth0" in (tmp_path / "etc/systemd/network/10-eth0.network").read_text()
    image.tune_boot(tmp_path)  # idempotent
