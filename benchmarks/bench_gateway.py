"""Latency the surefoot server adds to a request, the gateway's added latency, and OTLP ingest.

    python benchmarks/bench_gateway.py [--requests N] [--batch N] [--batches N]

Every server runs in its own process (uvicorn on 127.0.0.1), so the client, the server and the
upstream never share an interpreter lock; one keep-alive client calls each sequentially.

Pass-through: a trivial route, printed as p50/p99 and the p50 added over the floor:

- ``starlette``: a bare Starlette route, the floor;
- ``surefoot-open``: the route on ``create_app`` without key checks (``auth = off``);
- ``surefoot-keyed``: the route behind the ``gateway`` scope, with a real API key.

Gateway, DESIGN.md's target (added p50 under 1 ms over calling the upstream directly):
``POST /v1/chat/completions`` through the server and the guard to a local OpenAI-compatible
upstream (surefoot's FaultServer, no faults), against the client calling that upstream directly.

Ingest: protobuf batches of ``--batch`` spans to ``/v1/traces``, committed in SQLite before each
200, in spans/s.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


# ---------------------------------------------------------------- server processes
def _pass_through(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


def _fastapi_pass_through() -> JSONResponse:
    # No parameters: FastAPI would read a string-annotated `request` as a query parameter.
    return JSONResponse({"ok": True})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_server(role: str, root: Path, upstream: str) -> None:
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
    elif role == "gateway":
        guard = Guard([OpenAICompatibleProvider(upstream, "sk-bench")], deadline_s=10)
        app = create_app(Settings.load(store={"url": url}, server={"auth": "off"}), guard=guard)
    else:
        keyed = role == "surefoot-keyed"
        server = {"auth": "auto" if keyed else "off", "rate_limit_per_s": 0}
        store = Store.open(Settings.load(store={"url": url}).store)
        if keyed:
            extra = " " + ApiKeys(store.engine).create("bench", [Scope.GATEWAY])[1]
        app = create_app(Settings.load(store={"url": url}, server=server), store=store)
        scope = [Depends(require_scope(Scope.GATEWAY))] if keyed else []
        app.add_api_route("/bench/pass", _fastapi_pass_through, dependencies=scope)
    port = _free_port()
    print(f"http://127.0.0.1:{port}{extra}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)


def _spawn(role: str, root: Path, upstream: str = "") -> tuple[subprocess.Popen[str], list[str]]:
    args = [sys.executable, __file__, "--role", role, "--root", str(root), "--upstream", upstream]
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


def _row(name: str, values: list[float], floor_p50: float) -> None:
    p50 = _ms(values, 50)
    print(f"{name:<16} {p50:>8.3f} {_ms(values, 99):>8.3f} {p50 - floor_p50:>13.3f}")


def pass_through(n: int, root: Path) -> None:
    print(f"{'app':<16} {'p50 ms':>8} {'p99 ms':>8} {'added p50 ms':>13}")
    floor = 0.0
    for role in ("starlette", "surefoot-open", "surefoot-keyed"):
        process, words = _spawn(role, root)
        headers = {"Authorization": f"Bearer {words[1]}"} if len(words) > 1 else {}
        with httpx.Client(headers=headers) as client:
            values = _latencies(lambda: client.get(f"{words[0]}/bench/pass"), n)  # noqa: B023
        _stop(process)
        floor = floor or _ms(values, 50)
        _row(role, values, floor)


def gateway(n: int, root: Path) -> None:
    upstream, (base_url,) = _spawn("upstream", root)
    gw, (gw_url,) = _spawn("gateway", root, base_url)
    with httpx.Client() as client:
        direct = _latencies(lambda: client.post(f"{base_url}/chat/completions", json=CHAT), n)
        through = _latencies(lambda: client.post(f"{gw_url}/v1/chat/completions", json=CHAT), n)
    _stop(gw)
    _stop(upstream)
    _row("upstream-direct", direct, _ms(direct, 50))
    _row("through-gateway", through, _ms(direct, 50))


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
    with httpx.Client(headers={"Content-Type": "application/x-protobuf"}) as client:
        start = time.perf_counter()
        for body in bodies:
            client.post(f"{url}/v1/traces", content=body).raise_for_status()
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
    parser.add_argument("--role", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--upstream", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        _run_server(args.role, Path(args.root), args.upstream)
        return
    with tempfile.TemporaryDirectory() as tmp:
        pass_through(args.requests, Path(tmp))
        gateway(args.requests, Path(tmp))
        ingest(args.batch, args.batches, Path(tmp))


if __name__ == "__main__":
    main()
