"""Vagrant VMs that run the conformance suite on Debian kernels, built and run offline.

    sudo scripts/vagrant-box --kernel 6.1        # build (or reuse) and add the box for 6.1
    sudo scripts/vagrant-ci --kernel 6.1         # box, daemons, vagrant up, results, destroy

One box per matrix kernel: a debootstrapped Debian 12 root file system with that kernel's
modules and an initramfs made on the host (in the chroot), booted directly by libvirt
(lv.kernel/lv.initrd: nothing is installed in the guest).  The Vagrantfile reads what a build
leaves in BOX_CACHE/<kernel>.json.

    rootfs      debootstrap and the guest's configuration (vagrant user, ssh, network)
    image       the kernel's modules and initramfs, ext4 -> qcow2 -> .box
    boxes       the cache key, the manifest the Vagrantfile reads, `vagrant box add`
    libvirt     libvirtd/virtlogd in their own network namespace, the storage pool, KVM or TCG
    wheelhouse  the wheels Debian 12 lacks (pyroute2 >= 0.9), downloaded on the host
    build       building one box from a kernel spec (scripts/vagrant-box)
    ci          one kernel end to end (scripts/vagrant-ci)

Standard library only, like netlink_probe.matrix (whose kernel cache and KVM probe it reuses).
"""

from __future__ import annotations

from pathlib import Path

from ..matrix import CHECKOUT

__all__ = ["VagrantError", "BOX_CACHE", "KERNEL_CACHE", "run_checked"]

#: Boxes, base root file systems, the wheelhouse and the manifests (gitignored).
BOX_CACHE = CHECKOUT / ".vagrant-boxes"
#: scripts/kernel-matrix's unpacked Debian kernels (boot/vmlinuz-REL, lib/modules/REL).
KERNEL_CACHE = CHECKOUT / ".kernels"


class VagrantError(Exception):
    """A step that cannot go on: the message says which and why (exit status 2)."""


def run_checked(cmd: list[str], what: str, timeout: float, **kwargs: object) -> str:
    """Run cmd (stdout captured and returned); VagrantError naming *what* on failure or timeout."""
    import subprocess

    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]
    except FileNotFoundError as e:
        raise VagrantError(f"{what}: {cmd[0]} not found (sudo ci/install.sh --vagrant)") from e
    except subprocess.TimeoutExpired as e:
        raise VagrantError(f"{what}: timed out after {timeout:.0f} s: {' '.join(cmd)}") from e
    if r.returncode != 0:
        tail = (r.stderr or r.stdout or "")[-3000:]
        raise VagrantError(f"{what} failed (exit {r.returncode}): {' '.join(cmd)}\n{tail}")
    return str(r.stdout)
