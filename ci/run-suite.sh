#!/usr/bin/env bash
# Run the unit tests and the live-kernel conformance suite on this machine's kernel, the same
# way the README and .ci/run do (as root: the suite creates network namespaces).
#
#   ci/run-suite.sh [--profile OUT.json] [--junitxml OUT.xml] [extra pytest args...]
#
# Exit status is pytest's (0 all passed, 1 failures, 5 nothing collected, other: error).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
export PYTHONUNBUFFERED=1

args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --profile|--junitxml)
            [ $# -ge 2 ] || { echo "ci/run-suite.sh: $1 needs a path" >&2; exit 2; }
            mkdir -p "$(dirname "$2")"
            args+=("$1" "$(realpath -m "$2")"); shift 2 ;;
        --profile=*|--junitxml=*)
            mkdir -p "$(dirname "${1#*=}")"
            args+=("$1"); shift ;;
        *) args+=("$1"); shift ;;
    esac
done

exec "$PYTHON" -m pytest tests conformance -n auto -p no:cacheprovider "${args[@]}"
