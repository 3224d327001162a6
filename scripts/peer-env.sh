#!/usr/bin/env bash
# Peers for side-by-side checks: a separate virtualenv with NannyML (never a surefoot dependency:
# it pulls lightgbm, xgboost, cloud SDKs and its own pandas pin), and NannyML's bundled synthetic
# car-loan dataset extracted to plain CSV so surefoot's tests can read it without pandas.
#
#   scripts/peer-env.sh ensure   build .cache/peer-venv and write .cache/peer-data/car_loan_*.csv
#   scripts/peer-env.sh python   print the peer venv's python (for benchmarks)
#   scripts/peer-env.sh data     print the dataset directory (for test fixtures)
#
# Environment: PEER_ENV_HOME (default: <repo>/.cache). pip caches the wheels after the first build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="${PEER_ENV_HOME:-$ROOT/.cache}"
VENV="$HOME_DIR/peer-venv"
DATA="$HOME_DIR/peer-data"
PY="${PY:-python3}"
export NML_DISABLE_USAGE_LOGGING=1

log() { echo "peer-env: $*" >&2; }

has_nannyml() { [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import nannyml' 2>/dev/null; }

has_data() {
    [[ -s "$DATA/car_loan_reference.csv" && -s "$DATA/car_loan_analysis.csv" ]]
}

# Importing nannyml takes seconds; a stamp written after a good build makes `ensure` instant.
STAMP="$VENV/.peer-env-ready"

ensure() {
    if [[ -f "$STAMP" ]] && has_data; then
        log "ready: $VENV, $DATA"
        return 0
    fi
    if has_nannyml && has_data; then
        touch "$STAMP"
        log "ready: $VENV, $DATA"
        return 0
    fi
    mkdir -p "$DATA"
    [[ -x "$VENV/bin/python" ]] || { log "creating $VENV"; "$PY" -m venv "$VENV"; }
    if ! has_nannyml; then
        log "installing nannyml into $VENV (a few minutes the first time; pip caches the wheels)"
        # pandas<3: NannyML's calculators still use pandas 2 APIs.
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --progress-bar off \
            nannyml statsmodels 'pandas<3' >&2
    fi
    log "extracting the car-loan dataset into $DATA"
    "$VENV/bin/python" - "$DATA" <<'PYEOF'
import sys
from pathlib import Path

import nannyml

out = Path(sys.argv[1])
reference, analysis, targets = nannyml.load_synthetic_car_loan_dataset()
# The analysis labels ship apart (they arrive late); join them so one file carries both.
analysis = analysis.merge(targets, on="id")
for name, frame in (("reference", reference), ("analysis", analysis)):
    tmp = out / f"car_loan_{name}.csv.tmp"
    frame.to_csv(tmp, index=False)
    tmp.replace(out / f"car_loan_{name}.csv")
PYEOF
    has_data || { log "extraction finished but the CSV files are missing"; exit 1; }
    touch "$STAMP"
}

case "${1:-ensure}" in
    ensure) ensure ;;
    python) echo "$VENV/bin/python" ;;
    data) echo "$DATA" ;;
    *) echo "usage: $0 ensure|python|data" >&2; exit 2 ;;
esac
