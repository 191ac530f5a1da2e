#!/usr/bin/env bash
# What a Vagrant guest (Debian 12) runs; see Vagrantfile and docs/kernel-matrix.md. As root.
#
#   vagrant-provision.sh kernel SERIES       install the newest linux-image-SERIES.*-amd64 from
#                                            bookworm-backports (or bookworm-security); reboot next
#   vagrant-provision.sh suite NAME SERIES   install the dependencies and the project, check that
#                                            the running kernel is SERIES, run the conformance
#                                            suite and leave NAME.profile.json, NAME.junit.xml,
#                                            NAME.log in $NLP_RESULTS (the Vagrantfile copies
#                                            them to results/ on the host)
#
# Environment: NLP_SRC (checkout in the guest, default /vagrant), NLP_RESULTS (default
# /home/vagrant/nlp-results), NLP_WHEELHOUSE (a directory of wheels to install from instead of
# PyPI, default $NLP_SRC/wheelhouse when it exists), NLP_PYTEST_ARGS (extra pytest arguments),
# NLP_SKIP_APT=1 (do not apt-get; for testing this script on a prepared machine),
# NLP_VENV (default /opt/netlink-probe-venv).
#
# Python dependencies: pip inside a guest can fail TLS verification behind some proxies, so the
# Debian packages (python3-cffi, python3-pytest, python3-pytest-xdist, python3-pyroute2,
# python3-hypothesis) are installed first and the venv sees them (--system-site-packages);
# pip then only adds what is missing or too old (pyroute2 >= 0.9: Debian 12 has 0.7), from
# NLP_WHEELHOUSE when given, else from PyPI. If that fails, the cffi binding is built in place
# and the suite runs from $NLP_SRC/src with what Debian has (tests needing newer pyroute2 may fail).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1

SRC=${NLP_SRC:-/vagrant}
RESULTS=${NLP_RESULTS:-/home/vagrant/nlp-results}
VENV=${NLP_VENV:-/opt/netlink-probe-venv}
WHEELHOUSE=${NLP_WHEELHOUSE:-}
if [ -z "$WHEELHOUSE" ] && [ -d "$SRC/wheelhouse" ]; then WHEELHOUSE=$SRC/wheelhouse; fi

log() { echo "vagrant-provision: $*"; }
die() { echo "vagrant-provision: error: $*" >&2; exit 1; }

apt_install() {
    [ "${NLP_SKIP_APT:-0}" = 1 ] && { log "NLP_SKIP_APT=1: not installing $*"; return 0; }
    apt-get install -y -q --no-install-recommends "$@" </dev/null
}

# URI of the Debian archive this guest already uses (so no mirror is named here).
debian_archive_uri() {
    local uri
    uri=$(grep -rhs -E '^\s*deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
          sed -E 's/\[[^]]*\]//' | awk '{print $2}' | grep -E '/debian/?$' | head -1 || true)
    if [ -z "$uri" ]; then
        uri=$(grep -hs -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
              tr ' ' '\n' | grep -E '/debian/?$' | head -1 || true)
    fi
    echo "${uri%/}"
}

series_matches() {  # series_matches 6.12 6.12.117+deb12-amd64
    case "$2" in "$1".*) return 0 ;; *) return 1 ;; esac
}

cmd_kernel() {
    local series=$1 uri pkg
    # never install a kernel on a developer's machine by mistake
    if ! id vagrant >/dev/null 2>&1 && [ "${NLP_ALLOW_KERNEL_INSTALL:-0}" != 1 ]; then
        die "no 'vagrant' user: not a Vagrant guest? (NLP_ALLOW_KERNEL_INSTALL=1 to override)"
    fi
    if series_matches "$series" "$(uname -r)"; then
        log "already running $(uname -r)"; return 0
    fi
    uri=$(debian_archive_uri)
    [ -n "$uri" ] || die "no Debian archive in /etc/apt sources"
    echo "deb $uri bookworm-backports main" > /etc/apt/sources.list.d/netlink-probe-backports.list
    apt-get update -q </dev/null
    pkg=$(apt-cache pkgnames "linux-image-$series." |
          grep -E "^linux-image-${series//./\\.}\.[0-9]+(-[0-9]+)?(\+[a-z0-9]+)?-amd64$" |
          sort -V | tail -1)
    [ -n "$pkg" ] || die "no linux-image-$series.*-amd64 package found"
    # A smaller, faster-compressed initramfs: mkinitramfs under TCG otherwise takes 10+ minutes.
    mkdir -p /etc/initramfs-tools/conf.d
    printf 'MODULES=dep\nCOMPRESS=gzip\n' > /etc/initramfs-tools/conf.d/netlink-probe-fast
    log "installing $pkg (then reboot)"
    apt-get install -y -q --no-install-recommends "$pkg" </dev/null
    # GRUB boots the highest version by default; say so explicitly anyway.
    if [ -f /etc/default/grub ] && command -v update-grub >/dev/null; then
        local kver=${pkg#linux-image-}
        sed -i -E 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT="Advanced options for Debian GNU\/Linux>Debian GNU\/Linux, with Linux '"$kver"'"/' /etc/default/grub
        update-grub
    fi
}

install_deps() {
    if [ "${NLP_SKIP_APT:-0}" != 1 ]; then
        apt-get update -q </dev/null
    fi
    apt_install python3 python3-dev python3-venv python3-pip gcc libc6-dev linux-libc-dev \
        iproute2 kmod util-linux python3-setuptools python3-wheel python3-cffi \
        python3-pytest python3-pytest-xdist python3-pyroute2 python3-hypothesis
    [ -x "$VENV/bin/python" ] || python3 -m venv --system-site-packages "$VENV"
    local pip=("$VENV/bin/python" -m pip install --disable-pip-version-check)
    if [ -n "$WHEELHOUSE" ]; then
        log "installing from the wheelhouse $WHEELHOUSE"
        pip+=(--no-index --find-links "$WHEELHOUSE")
    fi
    # editable: the cffi binding is built inside $SRC/src, where the suite's PYTHONPATH points.
    # Build isolation fetches setuptools >= 77.0.3 (SPDX license) and cffi from the index or
    # wheelhouse; Debian 12's python3-setuptools (66) cannot read pyproject.toml's license.
    if "${pip[@]}" -e "${SRC}[conformance]"; then return 0; fi
    log "pip could not install the project; building the cffi binding in place with Debian's cffi"
    # (no entry point then: the root conftest.py loads the pytest plugin from $SRC/src)
    (cd "$SRC/src" && "$VENV/bin/python" netlink_probe/sys/_build.py)
}

cmd_suite() {
    local name=$1 series=$2 rc
    local kver; kver=$(uname -r)
    if ! series_matches "$series" "$kver"; then
        die "running $kver, not $series: did the reboot after the kernel provisioner happen? (vagrant reload $name --provision)"
    fi
    install_deps
    mkdir -p "$RESULTS"
    rm -f "$RESULTS/$name".*
    cd "$SRC"
    log "running the conformance suite on $kver"
    set +e
    # shellcheck disable=SC2086
    PYTHONPATH="$SRC/src${PYTHONPATH:+:$PYTHONPATH}" \
    "$VENV/bin/python" -m pytest conformance/ -n auto -p no:cacheprovider \
        --profile "$RESULTS/$name.profile.json" --junitxml "$RESULTS/$name.junit.xml" -q \
        ${NLP_PYTEST_ARGS:-} >"$RESULTS/$name.log" 2>"$RESULTS/$name.stderr.log"
    rc=$?
    set -e
    tail -n 3 "$RESULTS/$name.log"
    echo "$rc" > "$RESULTS/$name.rc"
    chmod -R a+rX "$RESULTS"
    case $rc in
        0|1|5) log "pytest exit $rc; results in $RESULTS" ;;
        *) die "pytest exit $rc (see $RESULTS/$name.stderr.log)" ;;
    esac
}

case "${1:-}" in
    kernel) [ $# -eq 2 ] || die "usage: $0 kernel SERIES"; cmd_kernel "$2" ;;
    suite) [ $# -eq 3 ] || die "usage: $0 suite NAME SERIES"; cmd_suite "$2" "$3" ;;
    deps) install_deps ;;
    *) die "usage: $0 kernel SERIES | suite NAME SERIES | deps" ;;
esac
