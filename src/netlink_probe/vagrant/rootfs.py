"""The box's root file system: a private debootstrap of Debian 12 and the guest's configuration.

Built on the host from the Debian mirror the host's apt uses (no box download, no network in
the guest).  The result is kernel-independent and cached as BOX_CACHE/rootfs-<key>/; each
kernel's box starts from a copy of it (see image).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from . import VagrantError, run_checked

__all__ = [
    "SUITE",
    "PACKAGES",
    "GUEST_FILES",
    "find_mirror",
    "vagrant_public_key",
    "debootstrap_command",
    "configure_rootfs",
    "base_rootfs",
    "rootfs_key",
]

SUITE = "bookworm"
#: What the guest needs beyond minbase: an init, ssh and sudo for Vagrant, rsync for the synced
#: folder, the suite's Python dependencies as Debian has them (the host-built abi3 binding only
#: needs cffi's backend at run time: no compiler in the guest), the suite's oracles, DHCP and
#: initramfs-tools (run in the chroot on the host, never in the guest).  netbase: /etc/protocols
#: (`ip rule add ipproto tcp` resolves names with getprotobyname; minbase lacks it).
PACKAGES = (
    "systemd-sysv", "udev", "openssh-server", "sudo", "rsync", "procps", "netbase",
    "python3", "python3-cffi-backend", "python3-pytest", "python3-pytest-xdist",
    "python3-hypothesis", "python3-pip",
    "iproute2", "kmod", "ifupdown", "isc-dhcp-client", "initramfs-tools",
)
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
#: Bump when configure_rootfs changes what it writes: the cached base root file systems are
#: keyed by this, SUITE, PACKAGES and GUEST_FILES (not by this file's bytes, so that editing a
#: comment does not cost a 10-minute debootstrap).
ROOTFS_VERSION = 1

#: Files written into the guest (path -> content).  The NIC is eth0 (net.ifnames=0 on the
#: kernel command line); the root file system is the whole unpartitioned disk.
GUEST_FILES = {
    "etc/fstab": "/dev/vda / ext4 defaults,errors=remount-ro 0 0\n",
    "etc/hostname": "nlp\n",
    "etc/hosts": "127.0.0.1 localhost\n127.0.1.1 nlp\n",
    "etc/network/interfaces.d/eth0": "auto eth0\niface eth0 inet dhcp\n",
    "etc/sudoers.d/vagrant": "vagrant ALL=(ALL) NOPASSWD: ALL\nDefaults:vagrant !requiretty\n",
    # Vagrant logs in as soon as sshd answers; a reverse lookup would cost seconds under TCG.
    "etc/ssh/sshd_config.d/vagrant.conf": "UseDNS no\nGSSAPIAuthentication no\n",
    # initramfs made in the chroot: just what a virtio disk with ext4 needs, fast compression.
    "etc/initramfs-tools/conf.d/netlink-probe": "MODULES=list\nCOMPRESS=gzip\n",
    "etc/initramfs-tools/modules": "virtio_pci\nvirtio_blk\nvirtio_net\next4\ncrc32c_generic\n",
}


def rootfs_key() -> str:
    """10 hex digits naming the base root file system this code builds."""
    import hashlib
    import json

    data = json.dumps([ROOTFS_VERSION, SUITE, PACKAGES, GUEST_FILES], sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:10]


def find_mirror() -> str:
    """The Debian archive URI the host's apt uses (the kernel matrix's finder)."""
    from ..matrix.sources import find_debian_mirrors, host_apt_entries

    archive, _security, _signed = find_debian_mirrors(host_apt_entries())
    if not archive:
        raise VagrantError("no Debian archive (.../debian) in the host's apt sources; pass --mirror")
    return archive


def vagrant_public_key() -> str:
    """Vagrant's insecure public key, as shipped with Vagrant (it replaces it on first login)."""
    import glob

    for p in sorted(glob.glob("/usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant.pub")) + \
            ["/usr/share/vagrant/keys/vagrant.pub", "/opt/vagrant/embedded/gems/gems/keys/vagrant.pub"]:
        if os.path.exists(p):
            return Path(p).read_text().strip() + "\n"
    raise VagrantError("Vagrant's insecure key (keys/vagrant.pub) not found: is vagrant installed? "
                       "(sudo ci/install.sh --vagrant)")


def debootstrap_command(target: Path, mirror: str, debs: Path) -> list[str]:
    """debootstrap of SUITE with PACKAGES; downloaded .debs are kept in *debs* for rebuilds."""
    return ["debootstrap", "--variant=minbase", f"--cache-dir={debs}", f"--keyring={KEYRING}",
            "--include=" + ",".join(PACKAGES), SUITE, str(target), mirror]


def configure_rootfs(root: Path, pubkey: str) -> None:
    """Write GUEST_FILES, create the passwordless-sudo 'vagrant' user with *pubkey*."""
    for rel, text in GUEST_FILES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    (root / "etc/sudoers.d/vagrant").chmod(0o440)
    if subprocess.run(["chroot", str(root), "id", "vagrant"], capture_output=True).returncode != 0:
        run_checked(["chroot", str(root), "useradd", "-m", "-s", "/bin/bash", "vagrant"],
                    "useradd vagrant in the chroot", 60)
    ssh = root / "home/vagrant/.ssh"
    ssh.mkdir(mode=0o700, exist_ok=True)
    (ssh / "authorized_keys").write_text(pubkey)
    (ssh / "authorized_keys").chmod(0o600)
    run_checked(["chroot", str(root), "chown", "-R", "vagrant:vagrant", "/home/vagrant/.ssh"],
                "chown ~vagrant/.ssh", 60)
    # the rootfs is shared by every box: no machine id baked in (systemd makes one at boot)
    (root / "etc/machine-id").write_text("")
    (root / "var/lib/dbus/machine-id").unlink(missing_ok=True)
    # apt caches are useless in an offline guest
    shutil.rmtree(root / "var/cache/apt/archives", ignore_errors=True)
    (root / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)


def base_rootfs(cache: Path, key: str, mirror: str, timeout: float = 2400) -> Path:
    """BOX_CACHE/rootfs-<key>/ (debootstrapped and configured), built when missing.
    Built in a temporary directory renamed at the end: an interrupted build is never reused."""
    done = cache / f"rootfs-{key}"
    if (done / "etc/sudoers.d/vagrant").exists():
        print(f"vagrant-box: base root file system cached: {done}", flush=True)
        return done
    tmp = cache / f".rootfs-{key}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    print(f"vagrant-box: debootstrap {SUITE} from {mirror} (a few minutes)…", flush=True)
    t0 = time.monotonic()
    try:
        run_checked(debootstrap_command(tmp, mirror, debs), "debootstrap", timeout)
        configure_rootfs(tmp, vagrant_public_key())
    except VagrantError:
        log = tmp / "debootstrap/debootstrap.log"
        if log.exists():
            print(log.read_text(errors="replace")[-2000:], flush=True)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    tmp.rename(done)
    print(f"vagrant-box: base root file system ready ({time.monotonic() - t0:.0f} s)", flush=True)
    return done
