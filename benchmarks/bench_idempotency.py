"""Idempotency under contention: concurrent duplicates from several processes execute exactly once.

Run: ``.venv/bin/python benchmarks/bench_idempotency.py [--url URL] [--actions N] [--copies N]
[--procs N] [--threads N]``. Not part of the test suite.

``--procs`` processes with ``--threads`` threads each submit ``--copies`` duplicates of each of
``--actions`` actions (shuffled, so duplicates race) against one store. The side effect appends a
line to a file outside surefoot. The report gives the number of effects (must equal
``--actions``), the submissions per second, and the p50/p99 latency of a submission.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from surefoot.actions import Actions, action
from surefoot.core import StoreSettings
from surefoot.store import Store

EFFECTS: dict[str, Path] = {}


@action("bench.append")
def append_line(item: int) -> int:
    """The side effect under test: one line per execution."""
    with EFFECTS["file"].open("a", encoding="utf-8") as out:
        out.write(f"{item}\n")
    return item


def _worker(url: str, out: str, seed: int, jobs: list[int], threads: int) -> list[float]:
    EFFECTS["file"] = Path(out)
    store = Store.open(StoreSettings(url=url, connect_timeout_s=60.0))
    actions = Actions(store, lease_s=300.0, wait_s=120.0)
    random.Random(seed).shuffle(jobs)
    latencies: list[float] = []
    lock = threading.Lock()

    def run(share: list[int]) -> None:
        mine = []
        for item in share:
            start = time.perf_counter()
            outcome = append_line.submit(actions, f"bench-{item}", item=item)
            mine.append(time.perf_counter() - start)
            assert outcome.succeeded and outcome.result == item, outcome
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=run, args=(jobs[t::threads],)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    store.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="store URL; default a fresh SQLite file")
    parser.add_argument("--actions", type=int, default=100)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        Store.open(StoreSettings(url=url)).close()  # migrate once, before the race
        out = Path(tmp) / "effects.txt"
        jobs = [i for i in range(args.actions) for _ in range(args.copies)]
        shares = [jobs[p :: args.procs] for p in range(args.procs)]
        ctx = multiprocessing.get_context("spawn")
        start = time.perf_counter()
        with ctx.Pool(args.procs) as pool:
            parts = pool.starmap(
                _worker, [(url, str(out), p, s, args.threads) for p, s in enumerate(shares)]
            )
        elapsed = time.perf_counter() - start
        effects = len(out.read_text(encoding="utf-8").split())
    latencies = sorted(x for part in parts for x in part)
    print(f"store            {url.split(':', 1)[0]}")
    print(f"submissions      {len(jobs)} ({args.procs} processes x {args.threads} threads)")
    verdict = "OK" if effects == args.actions else "FAIL"
    print(f"effects          {effects} (expected {args.actions}) -> {verdict}")
    print(f"throughput       {len(jobs) / elapsed:,.0f} submissions/s (wall {elapsed:.2f} s)")
    print(f"latency p50      {statistics.median(latencies) * 1e3:.1f} ms")
    print(f"latency p99      {latencies[int(0.99 * (len(latencies) - 1))] * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
