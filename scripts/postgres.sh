#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite: no Docker, loopback only, trust auth.
#
#   scripts/postgres.sh start   start a cluster (or reuse the running one), print its URL
#   scripts/postgres.sh url     print the URL of the running cluster
#   scripts/postgres.sh stop    stop the cluster and delete its data directory
#
# State (data directory, port, URL) lives in .cache/postgres.env, or in $SUREFOOT_PG_STATE when set,
# so `stop` and `url` find it; separate state files give independent clusters.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="$ROOT/.cache"
STATE="${SUREFOOT_PG_STATE:-$STATE_DIR/postgres.env}"
DB_NAME="surefoot_test"

die() { echo "postgres.sh: $*" >&2; exit 1; }
# shellcheck source=scripts/_debian.sh
source "$ROOT/scripts/_debian.sh"

find_bindir() {
    local dir
    # Newest major version first.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

ensure_installed() {
    if find_bindir >/dev/null; then
        return 0
    fi
    debian_install postgres.sh postgresql
    find_bindir >/dev/null || die "postgresql installed but no initdb found under /usr/lib/postgresql/*/bin"
}

# Run a PostgreSQL program as the owner of the cluster (the postgres user when we are root).
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

is_running() {
    [[ -f "$STATE" ]] || return 1
    # shellcheck disable=SC1090
    source "$STATE"
    [[ -d "${PGDATA_DIR:-}" ]] || return 1
    as_owner "$BINDIR/pg_ctl" -D "$PGDATA_DIR/data" status >/dev/null 2>&1
}

cmd_start() {
    if is_running; then
        echo "$URL"
        return 0
    fi
    # A stale state file from a crashed run: clean it up before starting afresh.
    [[ -f "$STATE" ]] && cmd_stop >/dev/null 2>&1 || true
    ensure_installed
    BINDIR="$(find_bindir)"
    PGDATA_DIR="$(mktemp -d /tmp/surefoot-pg.XXXXXX)"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: "$PGDATA_DIR"
    fi
    chmod 700 "$PGDATA_DIR"
    as_owner "$BINDIR/initdb" -D "$PGDATA_DIR/data" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$PGDATA_DIR/initdb.log" 2>&1 \
        || { cat "$PGDATA_DIR/initdb.log" >&2; rm -rf "$PGDATA_DIR"; die "initdb failed"; }
    local port attempt
    for attempt in 1 2 3; do
        port="$(free_port)"
        # Speed over durability: this cluster is thrown away after the run.
        if as_owner "$BINDIR/pg_ctl" -D "$PGDATA_DIR/data" -l "$PGDATA_DIR/server.log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$PGDATA_DIR \
                -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
                -c max_connections=200" start >/dev/null 2>&1 </dev/null; then
            break
        fi
        port=""
    done
    if [[ -z "$port" ]]; then
        cat "$PGDATA_DIR/server.log" >&2 2>/dev/null || true
        rm -rf "$PGDATA_DIR"
        die "pg_ctl could not start the server"
    fi
    as_owner "$BINDIR/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB_NAME" </dev/null \
        || die "createdb failed; see $PGDATA_DIR/server.log"
    URL="postgresql+psycopg://postgres@127.0.0.1:$port/$DB_NAME"
    mkdir -p "$(dirname "$STATE")"
    {
        echo "BINDIR='$BINDIR'"
        echo "PGDATA_DIR='$PGDATA_DIR'"
        echo "PORT='$port'"
        echo "URL='$URL'"
    } >"$STATE"
    echo "$URL"
}

cmd_stop() {
    [[ -f "$STATE" ]] || return 0
    # shellcheck disable=SC1090
    source "$STATE"
    if [[ -d "${PGDATA_DIR:-}/data" ]]; then
        as_owner "$BINDIR/pg_ctl" -D "$PGDATA_DIR/data" -m immediate -w stop >/dev/null 2>&1 </dev/null || true
    fi
    # Only ever delete the throwaway directory this script created.
    if [[ "${PGDATA_DIR:-}" == /tmp/surefoot-pg.* ]]; then
        rm -rf "$PGDATA_DIR"
    fi
    rm -f "$STATE"
}

cmd_url() {
    is_running || die "no cluster is running; run scripts/postgres.sh start"
    echo "$URL"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    url) cmd_url ;;
    *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
