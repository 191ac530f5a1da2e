#!/usr/bin/env bash
# What a Vagrant guest runs (see Vagrantfile and docs/kernel-matrix.md, Vagrant). As root.
#
#   vagrant-provision.sh suite NAME KERNEL   check that the running kernel is KERNEL (a release,
#                                            or a series like 6.1), make sure the Python
#                                            dependencies are there, run the conformance suite
#                                            and leave NAME.profile.json, .junit.xml, .ktap,
#                                            .log, .stderr.log, .rc, .times in $NLP_RESULTS
#                                            (the Vagrantfile copies them to results/)
#   vagrant-provision.sh deps                only the dependencies
#
# Environment: NLP_SRC (checkout in the guest, default /vagrant), NLP_RESULTS (default
# /home/vagrant/nlp-results), NLP_WHEELHOUSE (wheels to install from, --no-index; default
# $NLP_SRC/wheelhouse when it exists), NLP_PYTEST_ARGS (extra pytest arguments).
#
# The boxes scripts/vagrant-box builds have everything but pyroute2 >= 0.9 (Debian 12 has 0.7)
# baked in, and no network: pyroute2 comes from the wheelhouse (pip in a guest can fail TLS,
# so the host downloads it), and the cffi binding is the host-built abi3 .so synced with the
# checkout (Debian 12's python3 is 3.11 with the same glibc), as is codec/_fastmsg (cpython-311).
# On other boxes (with network), missing Debian packages are installed with apt and a binding
# that does not load is built in place, with codec/_fastmsg (gcc, python3-dev, python3-cffi).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1

SRC=${NLP_SRC:-/vagrant}
RESULTS=${NLP_RESULTS:-/home/vagrant/nlp-results}
WHEELHOUSE=${NLP_WHEELHOUSE:-}
if [ -z "$WHEELHOUSE" ] && [ -d "$SRC/wheelhouse" ]; then WHEELHOUSE=$SRC/wheelhouse; fi
PY=/usr/bin/python3
export PYTHONPATH="$SRC/src${PYTHONPATH:+:$PYTHONPATH}"   # this checkout's package

log() { echo "vagrant-provision: $*"; }
die() { echo "vagrant-provision: error: $*" >&2; exit 1; }

kernel_matches() {  # kernel_matches 6.1|6.1.0-57-amd64 RUNNING
    [ "$1" = "$2" ] && return 0
    case "$2" in "$1".*) return 0 ;; *) return 1 ;; esac
}

apt_install() {
    log "apt-get install $*"
    timeout 900 apt-get update -q </dev/null || die "apt-get update failed (no network in this guest?)"
    timeout 1800 apt-get install -y -q --no-install-recommends "$@" </dev/null ||
        die "apt-get install $* failed"
}

# Checks read metadata instead of importing: every import costs seconds under TCG.
pyroute2_ok() {
    "$PY" - <<'EOF' 2>/dev/null
import re, sys
from importlib.metadata import version
v = tuple(int(x) for x in re.findall(r"\d+", version("pyroute2"))[:2])
sys.exit(0 if v >= (0, 9) else 1)
EOF
}

debian_deps_ok() {
    "$PY" -c 'import importlib.util as u, sys
sys.exit(0 if all(u.find_spec(m) for m in ("pytest", "xdist", "hypothesis", "_cffi_backend")) else 1)' 2>/dev/null
}

install_deps() {
    local t0=$SECONDS
    if ! debian_deps_ok; then
        apt_install python3 python3-pip python3-cffi python3-pytest python3-pytest-xdist \
            python3-hypothesis iproute2 kmod
    fi
    if ! pyroute2_ok; then
        if [ -n "$WHEELHOUSE" ] && ls "$WHEELHOUSE"/pyroute2-*-none-any.whl >/dev/null 2>&1; then
            # A pure-Python wheel is a zip of the package and its .dist-info: unpacking it into
            # site-packages is an install, without pip's start-up (a minute and more under TCG).
            log "pyroute2 >= 0.9 from the wheelhouse $WHEELHOUSE"
            "$PY" - "$WHEELHOUSE" <<'EOF' || die "could not unpack pyroute2 from $WHEELHOUSE"
import glob, os, re, site, sys, zipfile
def version(path):
    return tuple(int(x) for x in re.findall(r"\d+", os.path.basename(path).split("-")[1])[:3])
wheel = max(glob.glob(os.path.join(sys.argv[1], "pyroute2-*-none-any.whl")), key=version)
target = site.getsitepackages()[0]
os.makedirs(target, exist_ok=True)
zipfile.ZipFile(wheel).extractall(target)
print("vagrant-provision: unpacked", os.path.basename(wheel), "into", target)
EOF
        else
            log "pyroute2 >= 0.9 from PyPI (no wheelhouse)"
            "$PY" -m pip install -q --disable-pip-version-check --root-user-action=ignore \
                --break-system-packages "pyroute2>=0.9" ||
                die "pip install pyroute2>=0.9 failed (give a wheelhouse: NLP_WHEELHOUSE)"
        fi
        pyroute2_ok || die "pyroute2 >= 0.9 does not import after installing it"
    fi
    if ! (cd / && "$PY" -c 'import netlink_probe' 2>/dev/null); then
        log "the binding in $SRC/src does not load here; building it in place"
        command -v gcc >/dev/null && "$PY" -c 'import cffi' 2>/dev/null ||
            apt_install gcc libc6-dev python3-dev python3-cffi linux-libc-dev
        (cd "$SRC/src" && "$PY" netlink_probe/sys/_build.py) || die "building the cffi binding failed"
        # codec/_fastmsg (setup.py's ext_modules; a plain CPython extension, so per Python version), without
        # setuptools: Debian's is too old for pyproject.toml's license field
        (cd "$SRC/src/netlink_probe/codec" && "$PY" -c 'import subprocess, sysconfig as s
subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-I" + s.get_paths()["include"], "_fastmsg.c",
                "-o", "_fastmsg" + s.get_config_var("EXT_SUFFIX")], check=True)') || die "building codec/_fastmsg failed"
        (cd / && "$PY" -c 'import netlink_probe') || die "netlink_probe does not import"
    fi
    log "dependencies ready ($((SECONDS - t0)) s)"
}

cmd_suite() {
    local name=$1 kernel=$2 rc t0 up0
    local kver; kver=$(uname -r)
    kernel_matches "$kernel" "$kver" || die "running $kver, not $kernel (wrong box or kernel?)"
    up0=$(cut -d' ' -f1 /proc/uptime)
    install_deps
    mkdir -p "$RESULTS"
    rm -f "$RESULTS/$name".*
    cd "$SRC"
    # this VM is the suite's own: tunnel modules the tests load would put their fallback devices (gre0,
    # tunl0, ...) in every namespace made after, this VM's initial one included; 2 = none (since 5.7)
    sysctl -qw net.core.fb_tunnels_only_for_init_net=2 || log "net.core.fb_tunnels_only_for_init_net=2 refused"
    log "running the conformance suite on $kver ($(nproc) CPUs; guest up ${up0%.*} s)"
    t0=$SECONDS
    set +e
    # stdout to the log; stderr to its log, with the plugin's progress lines also shown here
    # shellcheck disable=SC2086
    TMPDIR=/tmp timeout 3600 "$PY" -m pytest conformance/ -n auto -p no:cacheprovider \
        --profile "$RESULTS/$name.profile.json" --junitxml "$RESULTS/$name.junit.xml" \
        --ktap "$RESULTS/$name.ktap" --progress-lines -q -o console_output_style=count \
        ${NLP_PYTEST_ARGS:-} 2>&1 >"$RESULTS/$name.log" |
        tee "$RESULTS/$name.stderr.log" | grep --line-buffered -F '@@netlink-probe-progress'
    rc=${PIPESTATUS[0]}
    set -e
    tail -n 3 "$RESULTS/$name.log"
    echo "$rc" > "$RESULTS/$name.rc"
    printf 'kernel=%s\nguest_uptime_before_suite_s=%s\nsuite_s=%s\ncpus=%s\n' \
        "$kver" "$up0" "$((SECONDS - t0))" "$(nproc)" > "$RESULTS/$name.times"
    chmod -R a+rX "$RESULTS"
    case $rc in
        0|1|5) log "pytest exit $rc in $((SECONDS - t0)) s; results in $RESULTS" ;;
        *) die "pytest exit $rc (see $RESULTS/$name.stderr.log)" ;;
    esac
}

case "${1:-}" in
    suite) [ $# -eq 3 ] || die "usage: $0 suite NAME KERNEL"; cmd_suite "$2" "$3" ;;
    deps) install_deps ;;
    *) die "usage: $0 suite NAME KERNEL | deps" ;;
esac
