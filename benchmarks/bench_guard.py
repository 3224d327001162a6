"""Guard overhead on a fast local upstream, against the raw call and tenacity + pybreaker.

Run: ``.venv/bin/python benchmarks/bench_guard.py``. Prints medians of several repetitions of
N sequential calls to a FaultServer with no faults, and the ratios. Not part of the test suite.
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pybreaker
import tenacity

from surefoot.core import ProviderError
from surefoot.guard import Guard, Upstream
from surefoot.providers import CallableProvider, ChatRequest, OpenAICompatibleProvider

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

CALLS = 300
REPS = 15
REQUEST = ChatRequest(model="m-1", messages=[{"role": "user", "content": "ping"}], timeout_s=5.0)


def _time_ms(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    for _ in range(CALLS):
        fn()
    return (time.perf_counter() - started) / CALLS * 1000


def _interleaved(candidates: dict[str, Callable[[], object]]) -> dict[str, float]:
    # Round-robin repetitions so that drift on a shared machine hits every candidate alike.
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(REPS):
        for name, fn in candidates.items():
            samples[name].append(_time_ms(fn))
    return {name: statistics.median(values) for name, values in samples.items()}


def _tenacity_pybreaker(provider: OpenAICompatibleProvider) -> Callable[[], object]:
    breaker = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=5)
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(3) | tenacity.stop_after_delay(30),
        wait=tenacity.wait_random_exponential(multiplier=0.05, max=2),
        retry=tenacity.retry_if_exception(lambda e: isinstance(e, ProviderError) and e.retryable),
        reraise=True,
    )
    return lambda: retrying(breaker.call, provider.complete, REQUEST)


_SERVE = (
    "import sys, time\n"
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


def main() -> None:
    """Measure and print."""
    with _server_process() as base_url:
        provider = OpenAICompatibleProvider(f"{base_url}/v1", name="local")
        guard = Guard([Upstream(provider, model="m-1", timeout_s=5.0)], deadline_s=30.0)
        peer = _tenacity_pybreaker(provider)
        for fn in (lambda: provider.complete(REQUEST), lambda: guard.complete(REQUEST), peer):
            for _ in range(50):  # warm up connections and code paths
                fn()
        medians = _interleaved(
            {
                "raw": lambda: provider.complete(REQUEST),
                "guard": lambda: guard.complete(REQUEST),
                "peer": peer,
            }
        )
        provider.close()
    raw, guarded, hand = medians["raw"], medians["guard"], medians["peer"]
    print(f"calls per rep: {CALLS}, reps: {REPS}, medians of per-call time")
    print(f"raw provider call        {raw:8.3f} ms")
    print(
        f"surefoot Guard           {guarded:8.3f} ms   overhead {100 * (guarded / raw - 1):+6.2f} %"
    )
    print(f"tenacity + pybreaker     {hand:8.3f} ms   overhead {100 * (hand / raw - 1):+6.2f} %")
    print(f"Guard / tenacity+pybreaker: {guarded / hand:.3f}")
    _in_process()


def _in_process() -> None:
    """The guard's own CPU per call, against an in-process upstream that costs ~nothing."""
    provider = CallableProvider(lambda request: "pong", name="noop")
    guard = Guard([Upstream(provider, model="m-1")])
    medians = _interleaved(
        {"raw": lambda: provider.complete(REQUEST), "guard": lambda: guard.complete(REQUEST)}
    )
    extra_us = (medians["guard"] - medians["raw"]) * 1000
    print(f"guard CPU per call (in-process no-op upstream): {extra_us:.1f} us")


if __name__ == "__main__":
    main()
