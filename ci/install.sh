#!/usr/bin/env bash
# Install everything netlink-probe, its tests and the kernel matrix need, on a fresh Debian 12 or
# Ubuntu machine, as root. Idempotent: packages already there are not installed again.
#
#   ./ci/install.sh            # from any directory; the checkout is the parent of ci/
#
# - apt: iproute2, gcc, kmod, udev, busybox-static, qemu-system-x86 (virtme-ng's VM),
#   python3-dev when the python3 on PATH has no C headers (the cffi module is compiled).
# - pip: the project with its test and matrix extras (hypothesis, mypy, virtme-ng), into the
#   python3 on PATH (pyenv's if that is what PATH finds; set PYTHON=... to choose another).
#   Editable (-e): the tests run from the checkout root and import the package from there, so
#   its cffi module (src/netlink_probe/sys/_netlink_cffi.*.so) must be built inside the checkout; a
#   plain `pip install .` builds it only into site-packages and `python3 -m pytest tests
#   conformance` in a fresh clone then fails with "No module named
#   'netlink_probe.sys._netlink_cffi'".
# Nothing here needs a terminal.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

if [ "$(id -u)" -ne 0 ]; then
    echo "ci/install.sh: run as root (sudo $0)" >&2
    exit 2
fi

pkgs=(iproute2 gcc kmod udev busybox-static qemu-system-x86)
# qemu-system-x86 only recommends qemu-utils; virtme-ng does not need it, nor the GUI.
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
echo "ci/install.sh: $PYTHON -m pip install -e .[test,matrix]"
"$PYTHON" -m pip install "${pip_flags[@]}" -e ".[test,matrix]" </dev/null

# The header constants exist only at run time (read from the compiled binding); write their stub
# (src/netlink_probe/constants.pyi) so editors and mypy see them.
"$PYTHON" -m netlink_probe.sys.stubgen
