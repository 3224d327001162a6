"""Performance estimation and multivariate drift on NannyML's car-loan data, against NannyML itself.

    python benchmarks/bench_estimation.py [--repeats 3] [--no-peer]

Both tools get the same 50,000 reference and 50,000 analysis rows in ten chunks of 5,000:
CBPE-estimated ROC AUC (no labels), realised ROC AUC (labels), PCA reconstruction error and a
domain classifier. NannyML runs in its own virtualenv (``scripts/peer-env.sh ensure`` builds it
and extracts the data; NannyML is never a surefoot dependency), through a subprocess that prints
JSON, so each side is timed in its own process. Times are medians over ``--repeats`` runs and
cover fitting on the reference plus judging all ten chunks; the CSV loading is not timed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from surefoot.monitor import (
    CBPE,
    Chunking,
    DomainClassifier,
    PCAReconstruction,
    RealizedPerformance,
)

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.monitor._car_loan import CHUNK, FEATURES, NUMERIC, data_dir, load  # noqa: E402

PEER_SCRIPT = r"""
import json, statistics, sys, time, warnings
warnings.filterwarnings("ignore")
import nannyml as nml
import pandas as pd

data, repeats, numeric = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
ref = pd.read_csv(f"{data}/car_loan_reference.csv")
ana = pd.read_csv(f"{data}/car_loan_analysis.csv")
features = [c for c in ref.columns if c not in
            ("id", "repaid", "timestamp", "y_pred_proba", "y_pred")]
for frame in (ref, ana):
    for c in features:
        if c not in numeric:
            frame[c] = frame[c].astype(str)
common = dict(chunk_size=5000)
binary = dict(y_pred_proba="y_pred_proba", y_pred="y_pred", y_true="repaid",
              problem_type="classification_binary", metrics=["roc_auc"], **common)

def run(make):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        calc = make()
        calc.fit(ref)
        judge = calc.estimate if hasattr(calc, "estimate") else calc.calculate
        out = judge(ana).filter(period="analysis").to_df()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out

def column(df, name):
    return [float(v) for v in df[(name, "value")]], [bool(a) for a in df[(name, "alert")]]

result = {}
for key, make, name in [
    ("cbpe", lambda: nml.CBPE(**binary), "roc_auc"),
    ("realized", lambda: nml.PerformanceCalculator(**binary), "roc_auc"),
    ("pca", lambda: nml.DataReconstructionDriftCalculator(column_names=features, **common),
     "reconstruction_error"),
    ("domain", lambda: nml.DomainClassifierCalculator(feature_column_names=features, **common),
     "domain_classifier_auroc"),
]:
    seconds, df = run(make)
    values, alerts = column(df, name)
    result[key] = {"seconds": seconds, "values": values, "alerts": alerts}
print(json.dumps(result))
"""


def median_time(fn: Callable[[], tuple[list[float], list[bool]]], repeats: int) -> dict[str, Any]:
    times = []
    values: list[float] = []
    alerts: list[bool] = []
    for _ in range(repeats):
        start = time.perf_counter()
        values, alerts = fn()
        times.append(time.perf_counter() - start)
    return {"seconds": statistics.median(times), "values": values, "alerts": alerts}


def surefoot_results(repeats: int) -> dict[str, dict[str, Any]]:
    ref, ana = load("reference"), load("analysis")
    chunking = Chunking.by_size(CHUNK)

    def cbpe() -> tuple[list[float], list[bool]]:
        est = CBPE(chunking, ["roc_auc"]).fit(ref.labels, ref.scores, ref.predictions)
        rows = est.estimate(ana.scores, ana.predictions).of("roc_auc")
        return [r.value for r in rows], [r.alert for r in rows]

    def realized() -> tuple[list[float], list[bool]]:
        perf = RealizedPerformance(chunking, ["roc_auc"])
        perf.fit(ref.labels, ref.scores, ref.predictions)
        rows = perf.calculate(ana.labels, ana.scores, ana.predictions).of("roc_auc")
        return [r.value for r in rows], [r.alert for r in rows]

    def multivariate(make: Callable[[], Any]) -> Callable[[], tuple[list[float], list[bool]]]:
        def run() -> tuple[list[float], list[bool]]:
            report = make().fit(ref.features).calculate(ana.features)
            drifted = set(report.drifted)
            return report.values, [v.chunk.index in drifted for v in report.verdicts]

        return run

    return {
        "cbpe": median_time(cbpe, repeats),
        "realized": median_time(realized, repeats),
        "pca": median_time(multivariate(lambda: PCAReconstruction(chunking)), repeats),
        "domain": median_time(multivariate(lambda: DomainClassifier(chunking)), repeats),
    }


def nannyml_results(repeats: int) -> dict[str, dict[str, Any]] | None:
    script = ROOT / "scripts" / "peer-env.sh"
    python = subprocess.run([str(script), "python"], capture_output=True, text=True, check=True)
    env = {**os.environ, "NML_DISABLE_USAGE_LOGGING": "1"}
    argv = [python.stdout.strip(), "-c", PEER_SCRIPT, str(data_dir()), str(repeats)]
    done = subprocess.run(
        [*argv, ",".join(NUMERIC)], capture_output=True, text=True, env=env, timeout=3_600,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        print(f"NannyML failed:\n{done.stderr[-2000:]}")
        return None
    result: dict[str, dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def show(ours: dict[str, dict[str, Any]], peer: dict[str, dict[str, Any]] | None) -> None:
    labels = {
        "cbpe": "estimated ROC AUC (CBPE)",
        "realized": "realised ROC AUC",
        "pca": "PCA reconstruction error",
        "domain": "domain classifier AUC",
    }
    for key, title in labels.items():
        a = ours[key]
        print(f"\n{title}")
        print("chunk  surefoot        " + ("NannyML" if peer else ""))
        for i, value in enumerate(a["values"]):
            line = f"{i:5d}  {value:.4f} {'ALERT' if a['alerts'][i] else '     '}"
            if peer:
                b = peer[key]
                line += f"  {b['values'][i]:.4f} {'ALERT' if b['alerts'][i] else ''}"
            print(line)
        summary = f"time   {a['seconds']:.3f} s"
        if peer:
            b = peer[key]
            corr = float(np.corrcoef(a["values"], b["values"])[0, 1])
            same = sum(x == y for x, y in zip(a["alerts"], b["alerts"], strict=True))
            summary += (
                f"  NannyML {b['seconds']:.3f} s ({b['seconds'] / a['seconds']:.1f}x)"
                f"  alerts agree on {same}/10 chunks  correlation {corr:.3f}"
            )
            if key in ("cbpe", "realized"):
                diff = np.abs(np.subtract(a["values"], b["values"])).max()
                summary += f"  max |diff| {diff:.4f}"
        print(summary)
    if peer:
        est, real = np.array(ours["cbpe"]["values"]), np.array(ours["realized"]["values"])
        peer_est = np.array(peer["cbpe"]["values"])
        print(
            f"\nestimate vs realised, mean |error|: surefoot {np.abs(est - real).mean():.4f}, "
            f"NannyML {np.abs(peer_est - real).mean():.4f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true", help="skip NannyML")
    args = parser.parse_args()
    data_dir()  # builds the peer environment and the CSV files on first use
    print(f"car-loan: 50,000 reference + 50,000 analysis rows, chunks of {CHUNK:,}; {FEATURES}")
    ours = surefoot_results(args.repeats)
    show(ours, None if args.no_peer else nannyml_results(args.repeats))


if __name__ == "__main__":
    main()
