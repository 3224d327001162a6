"""Guard overhead on a fast local upstream, against the raw client call and tenacity + pybreaker.

Run: ``.venv/bin/python benchmarks/bench_guard.py [--reps N] [--calls N]``. Not part of the
test suite.

Candidates, all against the same upstream (a FaultServer without faults, in its own process)
over keep-alive connections with TCP_NODELAY, all sending the same JSON body and decoding the
JSON answer:

* ``openai SDK``: the official ``openai`` client's ``chat.completions.create`` (retries off),
  the raw call most applications make today;
* ``raw httpx``: ``httpx.Client.post`` plus ``json.loads``, what most people would write;
* ``raw client``: the same through httpcore's pool, the client the provider uses: this is
  the "raw client call" the guard's overhead is measured against;
* ``provider``: ``OpenAICompatibleProvider.complete`` (body building, parsing into types, the
  served-model check);
* ``guard``: ``Guard.complete`` over that provider (deadline, breaker, bulkhead, retry budget,
  decision);
* ``tenacity + pybreaker``: the hand-rolled equivalent of the guard around the same provider.

Calls are interleaved one by one in a rotating order (A B C D E, B C D E A, ...), never as
blocks of one candidate, so drift on a shared machine hits every candidate alike. Each
repetition records every call's wall time and thread CPU time; the report gives, over the
repetitions, the median of each candidate's p50 and p99, the median of the per-repetition p50
ratios, and CPU microseconds per call (CPU time is far less noisy than wall time on a loaded
machine). A second part measures the guard's own CPU against an in-process upstream that
costs nearly nothing, with tenacity + pybreaker beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import socket
import statistics
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import httpcore
import httpx
import openai
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

    from openai.types.chat import ChatCompletionMessageParam

REQUEST = ChatRequest(model="m-1", messages=[{"role": "user", "content": "ping"}], timeout_s=5.0)
PIN = ModelRef.parse("m-1", allow_floating=True)
# What the guard sends for REQUEST on its first attempt: the pinned model, the upstream's timeout.
SENT = dataclasses.replace(REQUEST, model=PIN.model, pin=PIN, timeout_s=5.0)
BODY = {"model": "m-1", "messages": [{"role": "user", "content": "ping"}]}
SDK_MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "ping"}]
HEADERS = [("content-type", "application/json"), ("accept", "application/json")]
NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
TIMEOUTS = {"timeout": {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}}

LABELS = {
    "sdk": "openai SDK create",
    "httpx": "raw httpx post",
    "raw": "raw client (httpcore)",
    "provider": "provider call",
    "guard": "surefoot Guard",
    "peer": "tenacity + pybreaker",
}
Candidates = dict[str, "Callable[[], object]"]


@dataclasses.dataclass
class Rep:
    """One repetition: every call's wall seconds, and CPU seconds summed, per candidate."""

    walls: dict[str, list[float]]
    cpu: dict[str, float]


@dataclasses.dataclass
class Samples:
    """The repetitions of one part."""

    reps: list[Rep]
    calls: int

    def _p(self, name: str, q: float) -> list[float]:
        return [_quantile(rep.walls[name], q) for rep in self.reps]

    def p50_us(self, name: str) -> float:
        return statistics.median(self._p(name, 0.5)) * 1e6

    def p99_us(self, name: str) -> float:
        return statistics.median(self._p(name, 0.99)) * 1e6

    def cpu_us(self, name: str) -> float:
        return statistics.median(rep.cpu[name] / self.calls for rep in self.reps) * 1e6

    def ratio(self, name: str, base: str) -> float:
        pairs = zip(self._p(name, 0.5), self._p(base, 0.5), strict=True)
        return statistics.median(a / b for a, b in pairs)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def _interleaved(candidates: Candidates, reps: int, calls: int) -> Samples:
    names = list(candidates)
    wall, cpu = time.perf_counter, time.thread_time
    out = []
    for _ in range(reps):
        rep = Rep({n: [] for n in names}, dict.fromkeys(names, 0.0))
        for i in range(calls):
            shift = i % len(names)  # rotate, so no candidate always runs right after another
            for name in names[shift:] + names[:shift]:
                fn = candidates[name]
                c0, w0 = cpu(), wall()
                fn()
                w1, c1 = wall(), cpu()
                rep.walls[name].append(w1 - w0)
                rep.cpu[name] += c1 - c0
        out.append(rep)
    return Samples(out, calls)


def _tenacity_pybreaker(provider: Provider) -> Callable[[], object]:
    breaker = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=5)
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(3) | tenacity.stop_after_delay(30),
        wait=tenacity.wait_random_exponential(multiplier=0.05, max=2),
        retry=tenacity.retry_if_exception(lambda e: isinstance(e, ProviderError) and e.retryable),
        reraise=True,
    )
    return lambda: retrying(breaker.call, provider.complete, SENT)


def _http_candidates(base_url: str, provider: Provider) -> tuple[Candidates, Callable[[], None]]:
    url = f"{base_url}/chat/completions"
    hx = httpx.Client(transport=httpx.HTTPTransport(socket_options=NODELAY))
    pool = httpcore.ConnectionPool(socket_options=NODELAY)
    guard = Guard([Upstream(provider, model="m-1", timeout_s=5.0)], deadline_s=30.0)
    sdk = openai.OpenAI(base_url=base_url, api_key="sk-bench", max_retries=0)

    def raw_sdk() -> object:
        return sdk.chat.completions.create(model="m-1", messages=SDK_MESSAGES, timeout=5.0)

    def raw_httpx() -> object:
        body = json.dumps(BODY).encode()
        return json.loads(hx.post(url, content=body, headers=HEADERS, timeout=5.0).content)

    def raw_core() -> object:
        body = json.dumps(BODY).encode()
        response = pool.request("POST", url, content=body, headers=HEADERS, extensions=TIMEOUTS)
        return json.loads(response.content)

    candidates: Candidates = {
        "sdk": raw_sdk,
        "httpx": raw_httpx,
        "raw": raw_core,
        "provider": lambda: provider.complete(SENT),
        "guard": lambda: guard.complete(REQUEST),
        "peer": _tenacity_pybreaker(provider),
    }

    def close() -> None:
        sdk.close()
        hx.close()
        pool.close()

    return candidates, close


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


def _report(title: str, samples: Samples, bases: tuple[str, ...]) -> None:
    print(title)
    head = "".join(f"   vs {LABELS[b].split(' (')[0]:>14}" for b in bases)
    print(f"  {'candidate':<24}{'p50 us':>9}{'p99 us':>9}{'CPU us':>9}{head}")
    for name in next(iter(samples.reps)).walls:
        cells = "".join(
            f"   {100 * (samples.ratio(name, b) - 1):+16.1f} %" if name != b else f"{'':>21}"
            for b in bases
        )
        print(
            f"  {LABELS[name]:<24}{samples.p50_us(name):9.1f}{samples.p99_us(name):9.1f}"
            f"{samples.cpu_us(name):9.1f}{cells}"
        )


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    print(
        f"{args.reps} repetitions of {args.calls} calls per candidate, interleaved call by call;"
        " medians over repetitions"
    )
    with _server_process() as base_url:
        provider = OpenAICompatibleProvider(base_url, name="local")
        candidates, close = _http_candidates(base_url, provider)
        for fn in candidates.values():
            for _ in range(100):  # warm up the connections and the code paths
                fn()
        samples = _interleaved(candidates, args.reps, args.calls)
        close()
        provider.close()
    _report("HTTP upstream (FaultServer, own process, keep-alive)", samples, ("raw", "provider"))
    g = samples
    print(
        f"  guard added over the provider call: {g.p50_us('guard') - g.p50_us('provider'):.1f} us"
        f" p50, {g.cpu_us('guard') - g.cpu_us('provider'):.1f} us CPU;"
        f" Guard / tenacity+pybreaker at p50: {g.ratio('guard', 'peer'):.3f}"
    )
    noop = CallableProvider(lambda request: "pong", name="noop")
    guard = Guard([Upstream(noop, model="m-1", timeout_s=5.0)], deadline_s=30.0)
    local: Candidates = {
        "provider": lambda: noop.complete(SENT),
        "guard": lambda: guard.complete(REQUEST),
        "peer": _tenacity_pybreaker(noop),
    }
    for fn in local.values():
        for _ in range(1000):
            fn()
    inproc = _interleaved(local, args.reps, args.calls * 10)
    _report("in-process no-op upstream (the guard's own cost)", inproc, ("provider",))


if __name__ == "__main__":
    main()
