"""Latency the surefoot server adds to a request, the gateway's added latency, and OTLP ingest.

    python benchmarks/bench_gateway.py [--requests N] [--runs N] [--loop L] [--http H]
                                       [--batch N] [--batches N] [--only pass|gateway|ingest]

Every server runs in its own process (uvicorn on 127.0.0.1), so the client, the server and the
upstream never share an interpreter lock; one keep-alive client calls each sequentially.

Pass-through: a trivial route, printed as p50/p99 and the p50 added over the floor:

- ``starlette``: a bare Starlette route, the floor;
- ``surefoot-open``: the route on ``create_app`` without key checks (``auth = off``);
- ``surefoot-keyed``: the route behind the ``gateway`` scope, with a real API key.

Gateway, DESIGN.md's target (added p50 under 1 ms over calling the upstream directly):
``POST /v1/chat/completions`` through the server and the guard to a local OpenAI-compatible
upstream (surefoot's FaultServer, no faults), against the client calling that upstream directly,
at concurrency 1 and 64 (with throughput), next to two bare pass-throughs that set the floor of
any Python hop: a Starlette route forwarding with ``httpx`` and one forwarding with ``httpcore``'s
pool directly (the comparison that chooses the upstream HTTP client).

Every client and server sets TCP_NODELAY (Nagle's algorithm with delayed ACKs adds 40 ms on
loopback). ``--runs N`` repeats the gateway section against the same servers and prints the
median of the runs' p50, p99, throughput and server CPU per request (the CPU time of each server
process over the run divided by its requests; less noisy than latency on a shared machine).
``--loop``/``--http`` choose uvicorn's event loop and HTTP parser for the proxies and the gateway
(``auto`` picks uvloop and httptools when installed, as ``surefoot serve`` does).

Ingest: protobuf batches of ``--batch`` spans to ``/v1/traces``, committed in SQLite before each
200, in spans/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpcore
import httpx
import uvicorn
from fastapi import Depends
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.trace.v1 import trace_pb2
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from surefoot.core import Settings, new_span_id, new_trace_id
from surefoot.guard import Guard
from surefoot.providers import OpenAICompatibleProvider
from surefoot.server import Scope, create_app, require_scope
from surefoot.store import ApiKeys, Store
from surefoot.testing import FaultServer

if TYPE_CHECKING:
    from starlette.requests import Request

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)
_NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


def _client() -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(socket_options=_NODELAY))


def _async_client() -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(limits=_LIMITS, socket_options=_NODELAY)
    return httpx.AsyncClient(transport=transport, timeout=30)


# ---------------------------------------------------------------- server processes
def _pass_through(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


def _fastapi_pass_through() -> JSONResponse:
    # No parameters: FastAPI would read a string-annotated `request` as a query parameter.
    return JSONResponse({"ok": True})


async def _proxy(request: Request) -> JSONResponse:
    # The bare pass-through to compare throughput with: no validation, no guard, no tracing.
    client = request.app.state.client
    upstream = await client.post("/chat/completions", content=await request.body())
    return JSONResponse(upstream.json(), status_code=upstream.status_code)


async def _core_proxy(request: Request) -> JSONResponse:
    # The same pass-through on httpcore's pool directly: httpx's request/URL models removed.
    pool, url = request.app.state.pool, request.app.state.url
    headers = [(b"content-type", b"application/json")]
    upstream = await pool.request("POST", url, headers=headers, content=await request.body())
    return JSONResponse(json.loads(upstream.content), status_code=upstream.status)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_server(role: str, root: Path, upstream: str, loop: str, http: str) -> None:
    """Serve one app in this process; print its URL (and key) on stdout, then run until killed."""
    if role == "upstream":
        with FaultServer() as server:
            print(server.base_url, flush=True)
            while True:
                time.sleep(3600)
    url = f"sqlite:///{root / f'{role}.db'}"
    extra = ""
    if role == "starlette":
        app: Any = Starlette(routes=[Route("/bench/pass", _pass_through)])
    elif role == "starlette-proxy":
        app = Starlette(routes=[Route("/v1/chat/completions", _proxy, methods=["POST"])])
        transport = httpx.AsyncHTTPTransport(limits=_LIMITS, socket_options=_NODELAY)
        app.state.client = httpx.AsyncClient(base_url=upstream, transport=transport)
    elif role == "httpcore-proxy":
        app = Starlette(routes=[Route("/v1/chat/completions", _core_proxy, methods=["POST"])])
        app.state.pool = httpcore.AsyncConnectionPool(max_connections=100, socket_options=_NODELAY)
        app.state.url = f"{upstream}/chat/completions"
    elif role == "gateway":
        guard = Guard([OpenAICompatibleProvider(upstream, "sk-bench")], deadline_s=10)
        app = create_app(Settings.load(store={"url": url}, server={"auth": "off"}), guard=guard)
    else:
        keyed = role == "surefoot-keyed"
        section = {"auth": "auto" if keyed else "off", "rate_limit_per_s": 0}
        store = Store.open(Settings.load(store={"url": url}).store)
        if keyed:
            extra = " " + ApiKeys(store.engine).create("bench", [Scope.GATEWAY])[1]
        app = create_app(Settings.load(store={"url": url}, server=section), store=store)
        scope = [Depends(require_scope(Scope.GATEWAY))] if keyed else []
        app.add_api_route("/bench/pass", _fastapi_pass_through, dependencies=scope)
    port = _free_port()
    print(f"http://127.0.0.1:{port}{extra}", flush=True)
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="error", access_log=False, loop=loop, http=http
    )


_SERVER_OPTIONS: list[str] = []  # --loop/--http, passed on to every server process


def _spawn(role: str, root: Path, upstream: str = "") -> tuple[subprocess.Popen[str], list[str]]:
    args = [sys.executable, __file__, "--role", role, "--root", str(root), "--upstream", upstream]
    args += _SERVER_OPTIONS
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    words = process.stdout.readline().split()
    deadline = time.monotonic() + 20
    while True:  # wait until the port accepts connections
        try:
            socket.create_connection(("127.0.0.1", int(words[0].rsplit(":", 1)[1].split("/")[0])))
            return process, words
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(timeout=10)


# ---------------------------------------------------------------- measurements
def _latencies(call: Any, n: int) -> list[float]:
    for _ in range(min(200, n)):  # warm up connections and code paths
        call()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call().raise_for_status()
        out.append(time.perf_counter() - start)
    return out


def _ms(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1e3


def _row(name: str, values: list[float], floor_p50: float, extra: str = "") -> None:
    p50 = _ms(values, 50)
    print(f"{name:<16} {p50:>8.3f} {_ms(values, 99):>8.3f} {p50 - floor_p50:>13.3f}{extra}")


def pass_through(n: int, root: Path) -> None:
    print(f"{'app':<16} {'p50 ms':>8} {'p99 ms':>8} {'added p50 ms':>13}")
    floor = 0.0
    for role in ("starlette", "surefoot-open", "surefoot-keyed"):
        process, words = _spawn(role, root)
        headers = {"Authorization": f"Bearer {words[1]}"} if len(words) > 1 else {}
        with _client() as client:
            get = lambda: client.get(f"{words[0]}/bench/pass", headers=headers)  # noqa: B023, E731
            values = _latencies(get, n)
        _stop(process)
        floor = floor or _ms(values, 50)
        _row(role, values, floor)


def _cpu_s(process: subprocess.Popen[str]) -> float:
    """User plus system CPU seconds the process has used (Linux /proc)."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _median(values: list[float]) -> float:
    return statistics.median(values)


def gateway(n: int, root: Path, runs: int) -> None:
    upstream, (base_url,) = _spawn("upstream", root)
    gw, (gw_url,) = _spawn("gateway", root, base_url)
    proxy, (proxy_url,) = _spawn("starlette-proxy", root, base_url)
    core, (core_url,) = _spawn("httpcore-proxy", root, base_url)
    # name -> (url, the process whose CPU per request is reported)
    targets = {
        "upstream-direct": (f"{base_url}/chat/completions", upstream),
        "starlette-proxy": (f"{proxy_url}/v1/chat/completions", proxy),
        "httpcore-proxy": (f"{core_url}/v1/chat/completions", core),
        "through-gateway": (f"{gw_url}/v1/chat/completions", gw),
    }
    serial: dict[str, list[tuple[float, float, float]]] = {name: [] for name in targets}
    loaded: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in targets}
    for _ in range(runs):
        with _client() as client:
            for name, (url, process) in targets.items():
                before = _cpu_s(process)
                values = _latencies(lambda url=url: client.post(url, json=CHAT), n)
                cpu_us = (_cpu_s(process) - before) / (n + min(200, n)) * 1e6
                serial[name].append((_ms(values, 50), _ms(values, 99), cpu_us))
        for name, (url, process) in targets.items():
            before = _cpu_s(process)
            values, rate, count = asyncio.run(_concurrent(url, n))
            cpu_us = (_cpu_s(process) - before) / count * 1e6
            loaded[name].append((_ms(values, 50), _ms(values, 99), rate, cpu_us))
    print(f"\nmedians of {runs} runs, {n} requests each; added = over upstream-direct")
    head = f"{'p50 ms':>8} {'p99 ms':>8} {'added p50':>10} {'added p99':>10}"
    print(f"\nconcurrency 1    {head} {'CPU us/req':>11}")
    base = [_median([r[k] for r in serial["upstream-direct"]]) for k in range(3)]
    for name, rows in serial.items():
        p50, p99, cpu = (_median([r[k] for r in rows]) for k in range(3))
        print(f"{name:<16} {p50:>8.3f} {p99:>8.3f} {p50 - base[0]:>10.3f} {p99 - base[1]:>10.3f}"
              f" {cpu:>11.0f}")  # fmt: skip
    print(f"\nconcurrency {CONCURRENCY}   {head} {'req/s':>8} {'CPU us/req':>11}")
    base = [_median([r[k] for r in loaded["upstream-direct"]]) for k in range(4)]
    for name, loaded_rows in loaded.items():
        p50, p99, rate, cpu = (_median([r[k] for r in loaded_rows]) for k in range(4))
        print(f"{name:<16} {p50:>8.3f} {p99:>8.3f} {p50 - base[0]:>10.3f} {p99 - base[1]:>10.3f}"
              f" {rate:>8,.0f} {cpu:>11.0f}")  # fmt: skip
    for process in (core, proxy, gw, upstream):
        _stop(process)


CONCURRENCY = 64


async def _concurrent(url: str, n: int) -> tuple[list[float], float, int]:
    """Latencies, throughput and the number of requests sent (warm-up included) from 64
    concurrent callers."""
    out: list[float] = []
    errors: list[str] = []
    async with _async_client() as client:

        async def caller(count: int, record: bool) -> None:
            for _ in range(count):
                start = time.perf_counter()
                try:
                    (await client.post(url, json=CHAT)).raise_for_status()
                except httpx.TransportError:
                    # An overloaded 2-core box drops the odd connection; count it, don't stop.
                    errors.append(url)
                    continue
                if record:
                    out.append(time.perf_counter() - start)

        await asyncio.gather(*(caller(5, False) for _ in range(CONCURRENCY)))  # warm up
        start = time.perf_counter()
        await asyncio.gather(*(caller(n // CONCURRENCY, True) for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - start
    if errors:
        print(f"  ({len(errors)} connection errors against {url})")
    return out, len(out) / elapsed, CONCURRENCY * (5 + n // CONCURRENCY)


def _batch(size: int) -> bytes:
    trace_id = bytes.fromhex(new_trace_id())
    attrs = [
        common_pb2.KeyValue(key=key, value=value)
        for key, value in (
            ("gen_ai.request.model", common_pb2.AnyValue(string_value="m")),
            ("gen_ai.usage.input_tokens", common_pb2.AnyValue(int_value=9)),
        )
    ]
    spans = [
        trace_pb2.Span(
            trace_id=trace_id, span_id=bytes.fromhex(new_span_id()), name="chat m",
            start_time_unix_nano=1_700_000_000_000_000_000 + i,
            end_time_unix_nano=1_700_000_000_001_000_000 + i, attributes=attrs,
        )
        for i in range(size)
    ]  # fmt: skip
    request = trace_service_pb2.ExportTraceServiceRequest(
        resource_spans=[trace_pb2.ResourceSpans(scope_spans=[trace_pb2.ScopeSpans(spans=spans)])]
    )
    return bytes(request.SerializeToString())


def ingest(batch: int, batches: int, root: Path) -> None:
    process, (url,) = _spawn("surefoot-open", root)
    bodies = [_batch(batch) for _ in range(batches)]
    headers = {"Content-Type": "application/x-protobuf"}
    with _client() as client:
        start = time.perf_counter()
        for body in bodies:
            client.post(f"{url}/v1/traces", content=body, headers=headers).raise_for_status()
        elapsed = time.perf_counter() - start
    _stop(process)
    print(
        f"ingest: {batches} batches x {batch} spans: {batch * batches / elapsed:,.0f} spans/s, "
        f"{elapsed / batches * 1e3:.2f} ms per batch"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--only", choices=["pass", "gateway", "ingest"], default=None)
    parser.add_argument("--runs", type=int, default=3, help="gateway runs to take medians of")
    parser.add_argument("--loop", choices=["auto", "asyncio", "uvloop"], default="auto")
    parser.add_argument("--http", choices=["auto", "h11", "httptools"], default="auto")
    parser.add_argument("--role", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--upstream", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        _run_server(args.role, Path(args.root), args.upstream, args.loop, args.http)
        return
    _SERVER_OPTIONS.extend(["--loop", args.loop, "--http", args.http])
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "pass"):
            pass_through(args.requests, Path(tmp))
        if args.only in (None, "gateway"):
            gateway(args.requests, Path(tmp), args.runs)
        if args.only in (None, "ingest"):
            ingest(args.batch, args.batches, Path(tmp))


if __name__ == "__main__":
    main()
