#!/usr/bin/env bash
# The HTTP load generator of the gateway benchmark (benchmarks/bench_gateway.py).
#
#   scripts/wrk.sh ensure   print the path of a wrk binary, installing Debian's wrk package first
#                           when it is missing (as root; otherwise say how to install it)
#
# wrk drives many connections from C threads, so it saturates long after a Python load generator
# sharing the same cores would.
set -euo pipefail

die() { echo "wrk.sh: $*" >&2; exit 1; }
# shellcheck source=scripts/_debian.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/_debian.sh"

ensure_installed() {
    if command -v wrk >/dev/null 2>&1; then
        return 0
    fi
    debian_install wrk.sh wrk
    command -v wrk >/dev/null 2>&1 || die "the wrk package is installed but no wrk is on PATH; check PATH includes /usr/bin"
}

cmd_ensure() {
    ensure_installed
    command -v wrk
}

case "${1:-}" in
    ensure) cmd_ensure ;;
    *) echo "usage: $0 ensure" >&2; exit 2 ;;
esac
