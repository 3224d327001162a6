"""Runner overhead per case against a plain asyncio loop over the same target.

    python benchmarks/bench_evals.py [--cases N] [--concurrency N] [--repeats N] [--url URL]

Part 1, overhead: the target is an async function that returns at once, so what is measured is
the runner's own cost per case: the bounded worker pool, the timeout scope, scoring, and the
result cache in the store (written in batches). ``warm`` re-runs the same configuration, so every
result comes from the cache. Each figure is the median of ``--repeats`` runs, in microseconds per
case; the overhead is the runner minus the plain loop of the same repeat.

Part 2, a realistic target: the same number of cases against an async target that takes
``--latency-ms`` (default 1 ms) per call, with the store. The ratio of the runner's wall time to
the plain loop's shows how much of the total the target itself accounts for.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from surefoot.core import StoreSettings
from surefoot.evals import CallableTarget, Dataset, Runner, exact_match, make_case
from surefoot.store import EvalStore, Store

Target = Callable[[str], Awaitable[str]]


async def instant(x: str) -> str:
    return x


def sleeping(latency_s: float) -> Target:
    async def target(x: str) -> str:
        await asyncio.sleep(latency_s)
        return x

    return target


async def plain_loop(target: Target, inputs: list[str], concurrency: int) -> None:
    sem = asyncio.Semaphore(concurrency)

    async def one(x: str) -> None:
        async with sem:
            exact_match(await target(x), x)

    await asyncio.gather(*(one(x) for x in inputs))


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def overhead(data: Dataset, args: argparse.Namespace, url: str) -> dict[str, list[float]]:
    inputs = [str(c.input) for c in data.cases]
    timings: dict[str, list[float]] = {"plain": [], "cold": [], "warm": [], "no store": []}
    with Store.open(StoreSettings(url=url)) as store:
        evals = EvalStore(store.engine)
        for repeat in range(args.repeats):
            # A new configuration per repeat, so "cold" really calls every case.
            target = CallableTarget(instant, {"bench": repeat})
            runner = Runner(evals, concurrency=args.concurrency, batch_size=256)
            timings["plain"].append(
                timed(lambda: asyncio.run(plain_loop(instant, inputs, args.concurrency)))
            )
            for label in ("cold", "warm"):
                timings[label].append(run_once(runner, data, target))
            memory = Runner(concurrency=args.concurrency)
            timings["no store"].append(run_once(memory, data, target))
    return timings


def run_once(runner: Runner, data: Dataset, target: CallableTarget) -> float:
    return timed(lambda: runner.run(data, target, {"e": exact_match}))


def realistic(data: Dataset, args: argparse.Namespace, url: str) -> tuple[float, float]:
    inputs = [str(c.input) for c in data.cases]
    target = sleeping(args.latency_ms / 1000)
    plain = timed(lambda: asyncio.run(plain_loop(target, inputs, args.concurrency)))
    with Store.open(StoreSettings(url=url)) as store:
        runner = Runner(EvalStore(store.engine), concurrency=args.concurrency, batch_size=256)
        config = CallableTarget(target, {"bench": "latency", "ms": args.latency_ms})
        ran = timed(lambda: runner.run(data, config, {"e": exact_match}))
    return plain, ran


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=1.0)
    parser.add_argument("--url", default=None, help="store URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    data = Dataset.from_cases(
        "bench", [make_case(f"case {i}", f"case {i}") for i in range(args.cases)]
    )
    per = 1e6 / args.cases
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        timings = overhead(data, args, url)
        plain, ran = realistic(data, args, url)

    print(f"{args.cases} cases, concurrency {args.concurrency}, median of {args.repeats} runs")
    print(f"  plain asyncio loop      {statistics.median(timings['plain']) * per:8.1f} us/case")
    for label in ("cold", "warm", "no store"):
        diffs = [(r - p) * per for r, p in zip(timings[label], timings["plain"], strict=True)]
        print(
            f"  runner ({label:8})       {statistics.median(timings[label]) * per:8.1f} us/case"
            f"   overhead {statistics.median(diffs):8.1f} us/case"
        )
    floor = args.cases * args.latency_ms / 1000 / args.concurrency
    print(f"\n{args.cases} cases against a {args.latency_ms:g} ms target (store, cold):")
    print(f"  plain asyncio loop      {plain:8.2f} s   (ideal {floor:.2f} s)")
    print(f"  runner                  {ran:8.2f} s   runner / plain = {ran / plain:.3f}")
    print(f"  share of wall time spent in the target: {min(1.0, plain / ran):.1%}")


if __name__ == "__main__":
    main()
