"""A full drift report on N rows x M mixed columns: surefoot against Evidently and NannyML.

    python benchmarks/bench_drift.py [--rows 1000000] [--columns 50] [--peers [evidently] [nannyml]]

Reference and current each have ``rows`` rows; four fifths of the columns are numeric, the rest
categorical (20 categories). Drift is injected into every fifth column (a 0.2 sd mean shift on
numbers, a reweighting on categories). surefoot's time covers everything a report needs from raw
columns: fixing the bins on the reference, profiling both windows, and the report with its
Benjamini–Hochberg correction. Peak memory is measured with tracemalloc in a second, separate
pass, so the timing is not slowed by it. With ``--peers`` the same data goes through Evidently's
``DataDriftPreset`` and NannyML's ``UnivariateDriftCalculator`` (when installed: they belong to
the ``bench`` extra, never to surefoot's dependencies), and the drifted columns are compared.
"""

from __future__ import annotations

import argparse
import functools
import os
import time
import tracemalloc
from typing import TYPE_CHECKING, Any

import numpy as np

from surefoot.monitor import Profile, drift_report, fit_bins

if TYPE_CHECKING:
    from collections.abc import Callable

Columns = dict[str, Any]


def make_data(rows: int, columns: int, seed: int = 0) -> tuple[Columns, Columns, set[str]]:
    rng = np.random.default_rng(seed)
    categories = np.array([f"c{i:02d}" for i in range(20)])
    weights = rng.dirichlet(np.ones(20))
    shifted = np.roll(weights, 3)
    reference: Columns = {}
    current: Columns = {}
    drifted: set[str] = set()
    for i in range(columns):
        changed = i % 5 == 0
        if i < columns * 4 // 5:
            name = f"num_{i}"
            reference[name] = rng.normal(0.0, 1.0, rows)
            current[name] = rng.normal(0.2 if changed else 0.0, 1.0, rows)
        else:
            name = f"cat_{i}"
            reference[name] = rng.choice(categories, rows, p=weights)
            current[name] = rng.choice(categories, rows, p=shifted if changed else weights)
        if changed:
            drifted.add(name)
    return reference, current, drifted


def surefoot_report(reference: Columns, current: Columns) -> set[str]:
    bins = fit_bins(reference)
    report = drift_report(Profile(bins).update(reference), Profile(bins).update(current))
    return set(report.drifted)


def timed(fn: Callable[[], set[str]]) -> tuple[float, set[str]]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def peak_mb(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def evidently_report(reference: Columns, current: Columns) -> set[str]:
    import pandas as pd  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from evidently import Report  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from evidently.presets import DataDriftPreset  # type: ignore[import-not-found,import-untyped,unused-ignore]

    snapshot = Report([DataDriftPreset()]).run(pd.DataFrame(current), pd.DataFrame(reference))
    drifted: set[str] = set()
    for metric in snapshot.dict()["metrics"]:
        config = metric.get("config", {})
        column = config.get("column")
        value = metric.get("value")
        threshold = config.get("threshold")
        if column is None or not isinstance(value, float) or threshold is None:
            continue
        # Evidently's p-value methods drift below the threshold, distances above it.
        method = str(config.get("method", ""))
        is_p = "p_value" in method or method in ("K-S p_value", "chi-square p_value")
        if (value < threshold) if is_p else (value >= threshold):
            drifted.add(column)
    return drifted


def nannyml_report(reference: Columns, current: Columns) -> set[str]:
    import nannyml as nml  # type: ignore[import-not-found,import-untyped,unused-ignore]
    import pandas as pd  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from nannyml.thresholds import ConstantThreshold  # type: ignore[import-not-found,import-untyped,unused-ignore]

    # One chunk per window, as surefoot compares them. NannyML's default thresholds come from the
    # spread across reference chunks, which one chunk cannot give, so the same methods and fixed
    # thresholds as surefoot's large-sample defaults are set explicitly.
    calc = nml.UnivariateDriftCalculator(
        column_names=list(reference),
        chunk_number=1,
        continuous_methods=["wasserstein"],
        categorical_methods=["jensen_shannon"],
        thresholds={
            "wasserstein": ConstantThreshold(upper=0.1),
            "jensen_shannon": ConstantThreshold(upper=0.1),
        },
    )
    calc.fit(pd.DataFrame(reference))
    results = calc.calculate(pd.DataFrame(current)).filter(period="analysis").to_df()
    drifted: set[str] = set()
    for column in reference:
        method = "wasserstein" if column.startswith("num_") else "jensen_shannon"
        if bool(results[(column, method, "alert")].iloc[0]):
            drifted.add(column)
    return drifted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument(
        "--peers",
        nargs="*",
        choices=["evidently", "nannyml"],
        help="also run these peers (both when none is named)",
    )
    args = parser.parse_args()
    reference, current, truth = make_data(args.rows, args.columns)
    print(f"{args.rows:,} rows x {args.columns} columns, {len(truth)} drifted by construction")
    seconds, found = timed(lambda: surefoot_report(reference, current))
    memory = peak_mb(lambda: surefoot_report(reference, current))
    print(f"surefoot   {seconds:7.2f} s  peak {memory:7.1f} MB  verdicts agree: {found == truth}")
    if args.peers is None:
        return
    peers = args.peers or ["evidently", "nannyml"]
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")
    for name, fn in (("evidently", evidently_report), ("nannyml", nannyml_report)):
        if name not in peers:
            continue
        try:
            peer_s, peer_found = timed(functools.partial(fn, reference, current))
        except ImportError as exc:
            print(f"{name:10} not installed ({exc.name}); pip install -e '.[bench]'")
            continue
        agree = len(peer_found & found) / max(len(peer_found | found), 1)
        print(
            f"{name:10} {peer_s:7.2f} s  surefoot is {peer_s / seconds:5.1f}x faster  "
            f"verdict overlap with surefoot {agree:.0%} (peer flags {len(peer_found)})"
        )


if __name__ == "__main__":
    main()
