#!/usr/bin/env bash
# Run a command with the test services up: scripts/with-services.sh CMD ARGS...
#
# Starts the throwaway PostgreSQL cluster, exports SUREFOOT_TEST_POSTGRES_URL, runs the command,
# then always stops the cluster and removes its data, returning the command's exit code.
# When PostgreSQL cannot be started the run fails under CI=true; elsewhere it warns and goes on
# without it (the postgres tests are then skipped, with a reason).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG="$ROOT/scripts/postgres.sh"
# A state file of our own: concurrent runs in one tree each get, and stop, their own cluster.
export SUREFOOT_PG_STATE="$ROOT/.cache/postgres-$$.env"

if [[ $# -eq 0 ]]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

started=0
cleanup() {
    if [[ $started -eq 1 ]]; then
        "$PG" stop </dev/null || echo "with-services.sh: could not stop PostgreSQL" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if url="$("$PG" start </dev/null)"; then
    started=1
    export SUREFOOT_TEST_POSTGRES_URL="$url"
    echo "with-services.sh: PostgreSQL at $url" >&2
elif [[ "${CI:-}" == "true" ]]; then
    echo "with-services.sh: ERROR: PostgreSQL could not be started and CI=true; see the output above" >&2
    exit 1
else
    echo "with-services.sh: WARNING: PostgreSQL could not be started; running without it" \
        "(postgres tests will be skipped)" >&2
fi

"$@"
exit $?
