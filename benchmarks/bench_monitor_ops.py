"""Cost of monitoring operations: writing stored profiles, and a scheduler pass over them.

    python benchmarks/bench_monitor_ops.py [--url URL] [--rows N] [--monitors N] [--repeat N]

``log_batch`` merges N rows x 5 numeric columns into one stored window (a merge into an existing
row after the first batch). ``pass`` is one scheduler pass evaluating M drift monitors on one
window against a reference of 24 stored windows: its cost depends on windows x bins, not on rows,
which ``rows behind`` makes visible. Medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from surefoot.core import FakeClock, MonitoringSettings, StoreSettings
from surefoot.monitor import Monitor, ProfileWriter, Scheduler
from surefoot.store import ProfileStore, Store

WINDOW_S = 300.0
START_S = 1_700_000_100.0
FIELDS = ("a", "b", "c", "d", "e")


def bench_log_batch(store: Store, rows: int, repeat: int) -> float:
    rng = np.random.default_rng(0)
    writer = ProfileWriter(ProfileStore(store.engine), WINDOW_S)
    batch = {f: rng.normal(size=rows) for f in FIELDS}
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        writer.log_batch("bench", batch, at=START_S)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def bench_pass(
    store: Store, monitors: int, rows: int, repeat: int, source: str
) -> tuple[float, int]:
    rng = np.random.default_rng(1)
    clock = FakeClock(start_s=START_S + 10 * WINDOW_S)
    settings = MonitoringSettings(profile_window_s=WINDOW_S, lateness_s=0)
    chosen = [
        Monitor(f"{source}-m{i}", FIELDS[i % len(FIELDS)], method="ks", window_s=WINDOW_S,
                reference_windows=24, source=source)
        for i in range(monitors)
    ]  # fmt: skip
    scheduler = Scheduler(store, chosen, settings=settings, clock=clock, catch_up=1)
    behind = 0
    for _ in range(24):
        scheduler.writer.log_batch(
            source, {f: rng.normal(size=rows) for f in FIELDS}, at=clock.now_ns()
        )
        behind += rows
        clock.advance(WINDOW_S)
    times = []
    for _ in range(repeat):
        scheduler.writer.log_batch(
            source, {f: rng.normal(size=rows) for f in FIELDS}, at=clock.now_ns()
        )
        clock.advance(WINDOW_S)
        began = time.perf_counter()
        scheduler.run_once()
        times.append(time.perf_counter() - began)
    scheduler.close()
    return statistics.median(times), behind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=None, help="Store URL (default: a temporary SQLite file).")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--monitors", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        with Store.open(StoreSettings(url=url)) as store:
            seconds = bench_log_batch(store, args.rows, args.repeat)
            rate = args.rows / seconds
            median = f"(median of {args.repeat})"
            print(f"log_batch  {args.rows:,} rows x {len(FIELDS)} columns: "
                  f"{seconds * 1e3:.1f} ms, {rate:,.0f} rows/s {median}")  # fmt: skip
            for rows in (1_000, args.rows):
                source = f"pass-{rows}"
                seconds, behind = bench_pass(store, args.monitors, rows, args.repeat, source)
                print(f"pass  {args.monitors} drift monitors, 24 reference windows, "
                      f"{behind:,} rows behind: {seconds * 1e3:.1f} ms {median}")  # fmt: skip


if __name__ == "__main__":
    main()
