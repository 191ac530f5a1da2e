"""libvirt for vagrant-libvirt on a host without a service manager, KVM or TCG, and the checks.

When no libvirtd answers, virtlogd and libvirtd are started by hand inside their own network
namespace NETNS: the management network's bridge, dnsmasq, NAT rules and the VMs' taps live
there, and the host's own network namespace is never changed.  The Vagrantfile then reaches the
guests' SSH through `ip netns exec NETNS nc` (a ProxyCommand); `vagrant ssh`, `up`, rsync all
work from the host as usual.  A libvirtd that a service manager runs is used as it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from . import VagrantError, run_checked

__all__ = [
    "NETNS",
    "POOL_DIR",
    "REQUIRED_TOOLS",
    "missing_tools",
    "check_host",
    "libvirt_answers",
    "running_pid",
    "start_daemons",
    "stop_daemons",
    "ensure_pool",
    "choose_accel",
]

NETNS = "nlp-vagrant"
POOL_DIR = "/var/lib/libvirt/images"
VIRSH = ["virsh", "-c", "qemu:///system"]

#: command -> the Debian package that has it (ci/install.sh --vagrant installs them).
REQUIRED_TOOLS = {
    "vagrant": "vagrant", "virsh": "libvirt-clients", "libvirtd": "libvirt-daemon-system",
    "virtlogd": "libvirt-daemon-system", "qemu-system-x86_64": "qemu-system-x86",
    "qemu-img": "qemu-utils", "debootstrap": "debootstrap", "dnsmasq": "dnsmasq-base",
    "mkfs.ext4": "e2fsprogs", "nc": "netcat-openbsd", "ip": "iproute2", "rsync": "rsync",
    "iptables": "iptables",
}


def missing_tools() -> list[str]:
    """'tool (package)' for each REQUIRED_TOOLS command not found on PATH or in /usr/sbin."""
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return [f"{t} ({p})" for t, p in REQUIRED_TOOLS.items() if shutil.which(t, path=path) is None]


def check_host() -> None:
    """Root, the tools and the vagrant-libvirt plugin; VagrantError saying what is missing."""
    if os.geteuid() != 0:
        raise VagrantError("run as root (sudo): debootstrap, libvirt and the boxes need it")
    missing = missing_tools()
    if missing:
        raise VagrantError("missing: " + ", ".join(missing) + " (sudo ci/install.sh --vagrant)")
    plugins = run_checked(["vagrant", "plugin", "list"], "vagrant plugin list", 120)
    if "vagrant-libvirt" not in plugins:
        raise VagrantError("the vagrant-libvirt plugin is missing (apt-get install vagrant-libvirt)")


def libvirt_answers(timeout: float = 20) -> bool:
    """Whether libvirtd answers on qemu:///system."""
    try:
        r = subprocess.run([*VIRSH, "version"], capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def running_pid(name: str) -> int | None:
    """The pid of a running process whose command name is *name*, if any."""
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if (d / "comm").read_text().strip() == name:
                    return int(d.name)
            except OSError:
                continue
    return None


def _ensure_netns() -> None:
    if not Path(f"/run/netns/{NETNS}").exists():
        run_checked(["ip", "netns", "add", NETNS], f"ip netns add {NETNS}", 30)
    run_checked(["ip", "-n", NETNS, "link", "set", "lo", "up"], "lo up in the namespace", 30)


def start_daemons(timeout: float = 60) -> list[int]:
    """Make qemu:///system answer: nothing when it does; else start virtlogd and libvirtd
    (-d) in NETNS.  The pids started (for stop_daemons)."""
    if libvirt_answers():
        return []
    if running_pid("libvirtd") is not None:
        raise VagrantError("libvirtd runs but does not answer on qemu:///system (virsh version); "
                           "see /var/log/libvirt/libvirtd.log")
    _ensure_netns()
    started = []
    for daemon in ("virtlogd", "libvirtd"):
        if running_pid(daemon) is None:
            print(f"vagrant: starting {daemon} -d in network namespace {NETNS}", flush=True)
            run_checked(["ip", "netns", "exec", NETNS, daemon, "-d"], f"starting {daemon}", 60)
            pid = running_pid(daemon)
            if pid is None:
                raise VagrantError(f"{daemon} -d exited at once (see /var/log/libvirt/)")
            started.append(pid)
    deadline = time.monotonic() + timeout
    while not libvirt_answers():
        if time.monotonic() > deadline:
            raise VagrantError(f"libvirtd started but does not answer within {timeout:.0f} s")
        time.sleep(1)
    return started


def stop_daemons(pids: list[int]) -> None:
    """SIGTERM the daemons start_daemons started (libvirtd first), by pid."""
    import signal

    for pid in reversed(pids):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    if pids:
        _remove_netns()


def _remove_netns(wait: float = 10) -> None:
    """NETNS goes with the daemons start_daemons started in it: what still runs there (libvirt's dnsmasq)
    gets SIGTERM, then the name is deleted, so nothing is left on the host."""
    import signal

    if not Path(f"/run/netns/{NETNS}").exists():
        return
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        r = subprocess.run(["ip", "netns", "pids", NETNS], capture_output=True, text=True)
        left = [int(x) for x in r.stdout.split() if x.isdigit()]
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        time.sleep(0.5)
    subprocess.run(["ip", "netns", "del", NETNS], capture_output=True)


def ensure_pool() -> None:
    """The 'default' directory storage pool vagrant-libvirt puts box volumes in, active."""
    r = subprocess.run([*VIRSH, "pool-info", "default"], capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        run_checked([*VIRSH, "pool-define-as", "default", "dir", "--target", POOL_DIR],
                    "virsh pool-define-as default", 30)
        run_checked([*VIRSH, "pool-build", "default"], "virsh pool-build default", 30)
    if "running" not in r.stdout:
        run_checked([*VIRSH, "pool-start", "default"], "virsh pool-start default", 30)
    subprocess.run([*VIRSH, "pool-autostart", "default"], capture_output=True, timeout=30,
                   stdin=subprocess.DEVNULL)


def choose_accel(requested: str, vmlinuz: Path, kernel_cache: Path) -> str:
    """'kvm' or 'tcg': as requested, or for 'auto' the kernel matrix's probe (KVM only when it
    really boots the kernel: /dev/kvm may be a paravirtual flavour under which guests hang)."""
    if requested != "auto":
        return requested
    from ..matrix.vm import kvm_usable

    qemu = shutil.which("qemu-system-x86_64") or "qemu-system-x86_64"
    return "kvm" if kvm_usable(vmlinuz, qemu, kernel_cache) else "tcg"
