#!/usr/bin/env bash
# Install what netlink-probe's main job and its tests need on a fresh Debian 12 or Ubuntu
# machine, as root. Idempotent: packages already there are not installed again.
#
#   ./ci/install.sh            # the client, the unit tests, the conformance suite, mypy
#   ./ci/install.sh --matrix   # and the kernel matrix (scripts/kernel-matrix): qemu, virtme-ng
#   ./ci/install.sh --vagrant  # and the Vagrant VMs (scripts/vagrant-box, vagrant-ci): vagrant,
#                              # vagrant-libvirt, libvirt, qemu, debootstrap (with --matrix too)
#
# From any directory; the checkout is the parent of ci/.
# - apt: iproute2 (the suite's oracle), gcc and python3-dev when the python3 on PATH has no C
#   headers (the cffi binding is compiled at install), kmod (the kernel runs its modprobe to
#   load link kinds on demand; the matrix runs its depmod);
#   with --matrix also udev, busybox-static, qemu-system-x86 (virtme-ng's VM), debootstrap and
#   e2fsprogs (the guests' root and checkout images);
#   with --vagrant also vagrant, vagrant-libvirt, libvirt-daemon-system, libvirt-clients,
#   qemu-system-x86, qemu-utils, debootstrap, e2fsprogs, dnsmasq-base, iptables, ebtables,
#   netcat-openbsd (SSH into the VMs' network namespace), rsync; all --no-install-recommends
#   (vagrant-libvirt's recommends pull libguestfs-tools and a kernel package into the host).
# - pip: the project with its dev extra (conformance: pytest, pytest-xdist, pyroute2,
#   hypothesis; and mypy), with --matrix also the matrix extra (virtme-ng), into the python3 on
#   PATH (pyenv's if that is what PATH finds; set PYTHON=... to choose another).
#   Editable (-e): the compiled binding is built inside src/, so edits take effect at once and
#   the kernel matrix, which puts the checkout's src/ first on PYTHONPATH, finds it there.
#   (The tests themselves also run against a plain `pip install .`.)
# Nothing here needs a terminal.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

matrix=0
vagrant=0
for arg in "$@"; do
    case "$arg" in
        --matrix) matrix=1 ;;
        --vagrant) vagrant=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "ci/install.sh: unknown argument '$arg' (usage: $0 [--matrix] [--vagrant])" >&2; exit 2 ;;
    esac
done

if [ "$(id -u)" -ne 0 ]; then
    echo "ci/install.sh: run as root (sudo $0 $*)" >&2
    exit 2
fi

pkgs=(iproute2 gcc kmod)
extras=dev
if [ "$matrix" = 1 ]; then
    # qemu-system-x86 only recommends qemu-utils; virtme-ng does not need it, nor the GUI.
    # virtme-ng needs udev: without it vng exits 255, "cannot find script I/O ports".
    # debootstrap and e2fsprogs build the guests' own root image (matrix/guest_root.py).
    pkgs+=(udev busybox-static qemu-system-x86 debootstrap e2fsprogs)
    extras=dev,matrix
fi
if [ "$vagrant" = 1 ]; then
    pkgs+=(vagrant vagrant-libvirt libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils
           debootstrap e2fsprogs dnsmasq-base iptables ebtables netcat-openbsd rsync)
fi
if ! "$PYTHON" - <<'EOF' 2>/dev/null
import os, sys, sysconfig
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")) else 1)
EOF
then
    pkgs+=(python3-dev)
fi
if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
    pkgs+=(python3-pip)
fi

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "ci/install.sh: apt-get install ${missing[*]}"
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
else
    echo "ci/install.sh: apt packages already installed"
fi

# Debian's own python3 refuses pip installs into the system (PEP 668); allow it there, as the
# project's docs ask for a plain `python3 -m pip install`.
pip_flags=(--disable-pip-version-check)
if "$PYTHON" -m pip install --help 2>/dev/null | grep -q -- '--break-system-packages'; then
    if [ -n "$(find "$("$PYTHON" -c 'import sysconfig;print(sysconfig.get_paths()["stdlib"])')" \
            -maxdepth 1 -name EXTERNALLY-MANAGED 2>/dev/null)" ]; then
        pip_flags+=(--break-system-packages)
    fi
fi
echo "ci/install.sh: $PYTHON -m pip install -e .[$extras]"
"$PYTHON" -m pip install "${pip_flags[@]}" -e ".[$extras]" </dev/null

# The header constants exist only at run time (read from the compiled binding); write their stub
# (src/netlink_probe/constants.pyi) so editors and mypy see them.
"$PYTHON" -m netlink_probe.sys.stubgen
