"""Guard overhead on a fast local upstream, against the raw call and tenacity + pybreaker.

Run: ``.venv/bin/python benchmarks/bench_guard.py [--reps N] [--calls N]``. Not part of the
test suite.

Like with like: every candidate calls the same provider instance over the same keep-alive
connection pool (TCP_NODELAY, as the provider always sets it) with the request the guard itself
sends (the pinned model, the same timeout), so the only difference is what wraps the call. The
upstream is a FaultServer without faults in its own process. Repetitions are interleaved in a
rotating order so drift on a shared machine hits every candidate alike. Each repetition times
every call; the report gives, over the repetitions, the median of each candidate's per-call p50,
the median of the per-repetition p50 ratios, and the guard's added microseconds per call. A
second part measures the guard's own CPU against an in-process upstream that costs ~nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import statistics
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pybreaker
import tenacity

from surefoot.core import ProviderError
from surefoot.guard import Guard, Upstream
from surefoot.providers import (
    CallableProvider,
    ChatRequest,
    ModelRef,
    OpenAICompatibleProvider,
    Provider,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

REQUEST = ChatRequest(model="m-1", messages=[{"role": "user", "content": "ping"}], timeout_s=5.0)
PIN = ModelRef.parse("m-1", allow_floating=True)
# What the guard sends for REQUEST on its first attempt: the pinned model, the upstream's timeout.
SENT = dataclasses.replace(REQUEST, model=PIN.model, pin=PIN, timeout_s=5.0)

Candidates = dict[str, "Callable[[], object]"]


@dataclasses.dataclass
class Samples:
    """Per-repetition p50s (seconds) of each candidate."""

    p50s: dict[str, list[float]]

    def median_p50_ms(self, name: str) -> float:
        return statistics.median(self.p50s[name]) * 1000

    def median_ratio(self, name: str, base: str) -> float:
        pairs = zip(self.p50s[name], self.p50s[base], strict=True)
        return statistics.median(a / b for a, b in pairs)

    def median_added_us(self, name: str, base: str) -> float:
        pairs = zip(self.p50s[name], self.p50s[base], strict=True)
        return statistics.median(a - b for a, b in pairs) * 1e6


def _p50_s(fn: Callable[[], object], calls: int) -> float:
    durations = []
    clock = time.perf_counter
    for _ in range(calls):
        started = clock()
        fn()
        durations.append(clock() - started)
    return statistics.median(durations)


def _interleaved(candidates: Candidates, reps: int, calls: int) -> Samples:
    names = list(candidates)
    p50s: dict[str, list[float]] = {name: [] for name in names}
    for rep in range(reps):
        shift = rep % len(names)  # rotate, so no candidate always runs right after another
        for name in names[shift:] + names[:shift]:
            p50s[name].append(_p50_s(candidates[name], calls))
    return Samples(p50s)


def _tenacity_pybreaker(provider: Provider) -> Callable[[], object]:
    breaker = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=5)
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(3) | tenacity.stop_after_delay(30),
        wait=tenacity.wait_random_exponential(multiplier=0.05, max=2),
        retry=tenacity.retry_if_exception(lambda e: isinstance(e, ProviderError) and e.retryable),
        reraise=True,
    )
    return lambda: retrying(breaker.call, provider.complete, SENT)


def _candidates(provider: Provider) -> Candidates:
    guard = Guard([Upstream(provider, model="m-1", timeout_s=5.0)], deadline_s=30.0)
    return {
        "raw": lambda: provider.complete(SENT),
        "guard": lambda: guard.complete(REQUEST),
        "peer": _tenacity_pybreaker(provider),
    }


_SERVE = (
    "import sys\n"
    "from surefoot.testing import FaultServer\n"
    "server = FaultServer().start()\n"
    "print(server.base_url, flush=True)\n"
    "sys.stdin.read()\n"
)


@contextlib.contextmanager
def _server_process() -> Iterator[str]:
    # The upstream runs in its own process, as a real one would: in-process it would share the
    # GIL with the client and charge the server's work to whichever client is busier.
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)


def _report(title: str, samples: Samples, names: tuple[str, ...]) -> None:
    print(title)
    raw = samples.median_p50_ms("raw")
    print(f"  {'raw provider call':<22} p50 {raw * 1000:9.1f} us")
    for name in names:
        label = {"guard": "surefoot Guard", "peer": "tenacity + pybreaker"}[name]
        p50 = samples.median_p50_ms(name)
        ratio = samples.median_ratio(name, "raw")
        added = samples.median_added_us(name, "raw")
        print(
            f"  {label:<22} p50 {p50 * 1000:9.1f} us   overhead {100 * (ratio - 1):+6.2f} %"
            f"   added {added:6.1f} us/call"
        )
    if "peer" in names:
        print(f"  Guard / tenacity+pybreaker at p50: {samples.median_ratio('guard', 'peer'):.3f}")


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    print(f"{args.reps} interleaved repetitions of {args.calls} calls per candidate; medians")
    with _server_process() as base_url:
        provider = OpenAICompatibleProvider(f"{base_url}/v1", name="local")
        candidates = _candidates(provider)
        for fn in candidates.values():
            for _ in range(50):  # warm up the connection and the code paths
                fn()
        samples = _interleaved(candidates, args.reps, args.calls)
        provider.close()
    _report("HTTP upstream (FaultServer, own process, keep-alive)", samples, ("guard", "peer"))
    noop = CallableProvider(lambda request: "pong", name="noop")
    local = _candidates(noop)
    del local["peer"]
    calls = args.calls * 10
    _report("in-process no-op upstream", _interleaved(local, args.reps, calls), ("guard",))


if __name__ == "__main__":
    main()
