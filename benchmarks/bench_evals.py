"""Runner overhead per case against a plain asyncio loop over the same fast target.

    python benchmarks/bench_evals.py [--cases N] [--concurrency N] [--url URL]

The target is an async function that returns at once, so what is measured is the runner's own
cost per case: the bounded worker pool, a traced span, the timeout wrapper, scoring, and the
result cache in the store (written in batches). ``warm`` re-runs the same configuration, so every
result comes from the cache. Numbers are per case, in microseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from surefoot.core import StoreSettings
from surefoot.evals import CallableTarget, Dataset, Runner, exact_match, make_case
from surefoot.store import EvalStore, Store


async def target(x: str) -> str:
    return x


async def plain_loop(inputs: list[str], concurrency: int) -> None:
    sem = asyncio.Semaphore(concurrency)

    async def one(x: str) -> None:
        async with sem:
            exact_match(await target(x), x)

    await asyncio.gather(*(one(x) for x in inputs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--url", default=None, help="store URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    data = Dataset.from_cases(
        "bench", [make_case(f"case {i}", f"case {i}") for i in range(args.cases)]
    )
    inputs = [str(c.input) for c in data.cases]

    start = time.perf_counter()
    asyncio.run(plain_loop(inputs, args.concurrency))
    plain = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        with Store.open(StoreSettings(url=url)) as store:
            runner = Runner(EvalStore(store.engine), concurrency=args.concurrency, batch_size=256)
            timings = {}
            for label in ("cold", "warm"):
                start = time.perf_counter()
                outcome = runner.run(
                    data, CallableTarget(target, {"bench": 1}), {"exact": exact_match}
                )
                timings[label] = time.perf_counter() - start
                assert outcome.means()["exact"] == 1.0
        memory = Runner(concurrency=args.concurrency)
        start = time.perf_counter()
        memory.run(data, CallableTarget(target, {"bench": 1}), {"exact": exact_match})
        timings["no store"] = time.perf_counter() - start

    per = 1e6 / args.cases
    print(f"{args.cases} cases, concurrency {args.concurrency}")
    print(f"  plain asyncio loop      {plain * per:8.1f} us/case")
    for label, seconds in timings.items():
        print(
            f"  runner ({label:8})       {seconds * per:8.1f} us/case"
            f"   overhead {(seconds - plain) * per:8.1f} us/case ({seconds / plain:5.1f}x)"
        )


if __name__ == "__main__":
    main()
