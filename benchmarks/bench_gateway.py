"""Latency the surefoot server adds to a request, the gateway's added latency, and OTLP ingest.

    python benchmarks/bench_gateway.py [--requests N] [--runs N] [--loop L] [--http H]
                                       [--duration S] [--wrk-threads 1|2] [--upstream-delay-ms MS]
                                       [--batch N] [--batches N] [--only pass|gateway|ingest]
                                       [--prompt-chars N]

Every server runs in its own process (uvicorn on 127.0.0.1), so the client, the server and the
upstream never share an interpreter lock.

Pass-through: a trivial route, called sequentially by one keep-alive client, printed as p50/p99
and the p50 added over the floor:

- ``starlette``: a bare Starlette route, the floor;
- ``surefoot-open``: the route on ``create_app`` without key checks (``auth = off``);
- ``surefoot-keyed``: the route behind the ``gateway`` scope, with a real API key.

Gateway: ``POST /v1/chat/completions`` through the server and the guard to a local
OpenAI-compatible upstream (surefoot's FaultServer, no faults), against calling that upstream
directly, next to two bare pass-throughs that set the floor of any Python hop: a Starlette route
forwarding with ``httpx`` and one forwarding with ``httpcore``'s pool directly (the comparison
that chooses the upstream HTTP client). The acceptance targets: under 1 ms added at p50 at
concurrency 1, under 10 ms added at p99 at concurrency 64, and throughput beside the bare
Starlette pass-through. The gateway runs as ``surefoot serve`` runs it (``run_server``: every
request traced into its SQLite store, start-up heap frozen), so its rows include tracing;
``gateway-untraced`` is the same hop with tracing off, to tell the hop's cost from its spans'. The
pass-throughs keep httpx's default of 20 idle upstream connections (see ``_LIMITS``).

- Concurrency 1: ``--requests`` sequential requests on one keep-alive ``httpx`` client.
- Concurrency 64: ``wrk`` (C, found or installed by ``scripts/wrk.sh ensure``), 64 connections
  for ``--duration`` seconds, a Lua script for the POST whose ``done`` prints p50, p90, p99,
  requests, failed answers (status 400 or more) and socket errors as one JSON line (p90 beside
  p99 shows whether a hop's tail is a spread of all its requests or a few stalls). A Python load
  generator cannot do this on the same cores: 64 coroutines on one ``httpx.AsyncClient`` topped
  out near 250 requests/s against the upstream itself. ``--wrk-threads`` defaults to 1: against
  the upstream directly, medians of four 5 s runs each gave 6,535 requests/s with ``-t1`` and
  6,495 with ``-t2`` on the 2-core development machine (the single-threaded upstream is the
  limit, and a second wrk thread only competes with it for the other core). Any failed answer or
  socket error is counted and printed loudly; such a row does not measure successful requests
  only. Every measured run follows a 1 s run against the same target, so it measures a warm hop
  (the upstream connections a gateway keeps expire while the other targets are measured).

Concurrency 64 runs in two regimes, both printed and both judged against the 10 ms p99 target:

- saturation: the upstream answers at once, so every target runs at its throughput ceiling. A
  closed loop at a ceiling measures queueing (latency = 64 / throughput): the direct call's p99
  is the upstream's own queue, and the gateway's added p99 is how much longer its queue is.
  This is also where throughput is compared, and where a Python hop's ceiling shows.
- delayed: a second upstream answers every request after ``--upstream-delay-ms`` (a latency
  fault on every request; the FaultServer waits with asyncio, so delayed requests overlap), and
  each connection pauses a random 0 to that many ms before each request. The default, 200 ms, is
  a fast LLM answer (a short completion from a small hosted model); it keeps the offered load
  near 64 / (1.5 x 0.2 s) = 213 requests/s, far under every hop's ceiling, so the added latency
  there is the hop's own cost. The pause keeps the connections out of lock step: with a fixed
  delay and no pause, all 64 requests arrive within a millisecond once per delay, and a hop
  serving them one at a time adds tens of ms of queueing to the later ones, an artefact of the
  load generator rather than of 64 independent callers. A warning is printed when a hop carries
  visibly less than the direct call (it saturated).

``--prompt-chars N`` puts a system prompt of N characters before the user's "hello" in every
chat request (the default, 0, sends "hello" alone). Tracing records the prompt on the guard's span
and the model call's (stored once for the two), so its cost grows with the prompt; the hop's own
work grows too (the gateway parses and forwards it, the upstream parses it).

Every client and server sets TCP_NODELAY (Nagle's algorithm with delayed ACKs adds 40 ms on
loopback). ``--runs N`` repeats the gateway section against the same servers and prints the
median of the runs' p50, p90 (concurrency 64), p99, throughput and server CPU per request (the
CPU time of each server process and its children over the run, divided by its requests: the
gateway's span recorder is a child process; less noisy than latency on a shared machine).
``--loop``/``--http`` choose uvicorn's event loop and HTTP parser for the proxies and the gateway
(``auto`` picks uvloop and httptools when installed, and for the gateway the protocol that
``surefoot serve`` uses, which writes each response in one piece). A legend after
the tables states each target, the regime it is judged in, and whether the gateway met it.

Ingest: protobuf batches of ``--batch`` spans to ``/v1/traces``, committed in SQLite before each
200, in spans/s.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

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

from surefoot.core import Settings, _heap, new_span_id, new_trace_id
from surefoot.guard import Guard
from surefoot.providers import OpenAICompatibleProvider
from surefoot.server import Scope, create_app, require_scope, run_server
from surefoot.store import ApiKeys, Store
from surefoot.testing import Fault, FaultServer

if TYPE_CHECKING:
    from starlette.requests import Request

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}
_WORDS = ("order", "refund", "shipping", "the", "label", "carrier", "invoice", "support", "status")


def chat_body(prompt_chars: int) -> dict[str, Any]:
    """The chat request every target is sent: "hello" alone, or after a system prompt of
    ``prompt_chars`` characters (words repeating, as a long instruction block does)."""
    if prompt_chars <= 0:
        return CHAT
    words = itertools.cycle(_WORDS)
    text = ""
    while len(text) < prompt_chars:
        text += next(words) + " "
    system = {"role": "system", "content": text[:prompt_chars]}
    return {"model": "m", "messages": [system, *CHAT["messages"]]}


# The pass-throughs keep at most 20 idle connections, httpx's default: httpcore's pool polls
# every idle connection on every request, and with 100 kept it spent a core doing so at
# concurrency 64 (encode/httpcore#928), which measured the pool, not the hop.
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
_NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


def _client() -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(socket_options=_NODELAY))


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


def _run_server(
    role: str, root: Path, upstream: str, loop: str, http: str, delay_ms: float = 0.0
) -> None:
    """Serve one app in this process; print its URL (and key) on stdout, then run until killed."""
    if role == "upstream":
        # The record of requests is bounded: each request lets go of the oldest. Cleared once a
        # second instead, freeing some 7,000 records at once stalled this server for a few ms
        # each time, and those stalls were about 3 ms of the direct call's p99 at saturation.
        with FaultServer(keep_requests=1_000) as server:
            # This process imported the whole bench (FastAPI, SQLAlchemy, OTLP protobufs): left
            # in the collector's view, every full collection walks it, and those pauses (20 to
            # 60 ms) became the direct call's p99 at saturation, the baseline the gateway's p99
            # is judged against. Settled as `surefoot serve` settles its own heap (frozen, young
            # collections rarer), so the baseline is a Python server tuned as the gateway is.
            _heap.settle()
            if delay_ms:
                # A latency fault on every request (a mix of probability 1); the server waits
                # with asyncio, so the delayed requests overlap instead of queueing.
                server.chaos({Fault.latency(delay_ms / 1e3): 1.0})
            print(server.base_url, flush=True)
            threading.Event().wait()  # serve until killed
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
        app.state.pool = httpcore.AsyncConnectionPool(
            max_connections=100, max_keepalive_connections=20, socket_options=_NODELAY
        )
        app.state.url = f"{upstream}/chat/completions"
    elif role in ("gateway", "gateway-untraced"):
        # As `surefoot serve` runs it: every request traced into the store, heap frozen. The
        # untraced twin is the same hop with tracing off: what the hop costs without its spans.
        settings = Settings.load(
            store={"url": url},
            server={"auth": "off"},
            recorder={"spool_dir": str(root / f"spool-gateway-{os.getpid()}")},
            tracing={"enabled": role == "gateway"},
        )
        guard = Guard([OpenAICompatibleProvider(upstream, "sk-bench")], deadline_s=10)
        port = _free_port()
        print(f"http://127.0.0.1:{port}", flush=True)
        run_server(
            create_app(settings, guard=guard),
            settings,
            host="127.0.0.1",
            port=port,
            log_level="error",
            access_log=False,
            loop=loop,
            # "auto" leaves run_server its own protocol, as `surefoot serve` has it.
            **({} if http == "auto" else {"http": http}),
        )
        return
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


def _spawn(
    role: str, root: Path, upstream: str = "", delay_ms: float = 0.0
) -> tuple[subprocess.Popen[str], list[str]]:
    args = [sys.executable, __file__, "--role", role, "--root", str(root), "--upstream", upstream]
    args += [*_SERVER_OPTIONS, "--delay-ms", str(delay_ms)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    words = process.stdout.readline().split()
    if not words:
        process.kill()
        raise RuntimeError(f"the {role} server exited before printing its URL; see its traceback")
    port = int(words[0].rsplit(":", 1)[1].split("/")[0])
    deadline = time.monotonic() + 20
    while True:  # wait until the port accepts connections
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return process, words
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
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
    """User plus system CPU seconds the process and its running children have used (Linux
    /proc): the gateway's span recorder runs in a child process, and its work counts."""
    ticks, parents = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        ticks[pid] = int(fields[11]) + int(fields[12])
    family, total = {process.pid}, 0
    for pid in sorted(ticks):  # a child's pid is almost always above its parent's; check all
        ancestor = pid
        while ancestor not in family and ancestor in parents and ancestor > 1:
            ancestor = parents[ancestor]
        if ancestor in family:
            family.add(pid)
            total += ticks[pid]
    return total / os.sysconf("SC_CLK_TCK")


def _median(values: list[float]) -> float:
    return statistics.median(values)


CONCURRENCY = 64

# wrk's script: the chat request and one machine-readable line at the end. Failed answers are
# wrk's own count of statuses >= 400 (`summary.errors.status`), not a `response` callback: with
# one defined, wrk hands every response's headers and body to Lua, CPU taken from the servers
# that share this machine's cores (four alternating 5 s runs against the gateway: the same
# throughput, p99 medians 21.5 ms with the callback and 20.7 without). None of the servers here
# answers 1xx or 3xx. %(pause)s is empty or a `delay`.
_WRK_LUA = """\
wrk.method = "POST"
wrk.body = [==[%(body)s]==]
wrk.headers["Content-Type"] = "application/json"
%(pause)s
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%(marker)s {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p90_us": %%d, '
    .. '"p99_us": %%d, "failed": %%d, "connect": %%d, "read": %%d, "write": %%d, '
    .. '"timeout": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
"""
_MARKER = "WRK_RESULT"
# A random pause of 0 to N ms before each request of a connection, from a fixed seed. Without it
# a fixed upstream delay keeps the 64 connections in lock step: all 64 requests arrive within a
# millisecond once per delay, and a hop that serves them one at a time queues the last ones.
_WRK_PAUSE = """\
math.randomseed(7)
function delay() return math.random(0, %d) end
"""


@dataclass(frozen=True, slots=True)
class _Load:
    """One wrk run against one target: latency, throughput, errors and the server's CPU."""

    p50_ms: float
    p90_ms: float
    p99_ms: float
    rate: float
    cpu_us: float
    failed: int  # answers with a status >= 400
    sockets: tuple[int, ...]  # wrk's socket errors, in the order of _SOCKET_ERRORS

    @property
    def errors(self) -> int:
        return self.failed + sum(self.sockets)

    def describe_errors(self) -> str:
        sockets = ", ".join(
            f"{n} {kind}" for kind, n in zip(_SOCKET_ERRORS, self.sockets, strict=True) if n
        )
        return f"{self.failed} answers with status >= 400, socket errors: {sockets or 'none'}"


_SOCKET_ERRORS = ("connect", "read", "write", "timeout")


class _Wrk:
    """Runs wrk with 64 connections against a URL and parses the line the Lua ``done`` prints."""

    def __init__(
        self, binary: str, threads: int, duration_s: int, root: Path, body: dict[str, Any]
    ) -> None:
        self.binary, self.threads, self.duration_s, self.root = binary, threads, duration_s, root
        self.body = body

    def _script(self, pause_ms: int) -> Path:
        path = self.root / f"chat-{pause_ms}.lua"
        if not path.exists():
            pause = _WRK_PAUSE % pause_ms if pause_ms else ""
            body = json.dumps(self.body)
            path.write_text(_WRK_LUA % {"body": body, "marker": _MARKER, "pause": pause})
        return path

    def run(
        self, url: str, process: subprocess.Popen[str], *, pause_ms: int = 0, duration_s: int = 0
    ) -> _Load:
        """One run; ``pause_ms`` > 0 pauses each connection a random 0 to ``pause_ms`` ms
        before each request (wrk leaves the pause out of the latency it measures)."""
        seconds = duration_s or self.duration_s
        # A 30 s timeout: wrk leaves timed-out requests out of its latency histogram, so a short
        # one would hide the tail; anything slower than this is an error, and is printed.
        args = [self.binary, f"-t{self.threads}", f"-c{CONCURRENCY}", f"-d{seconds}s"]
        args += ["--timeout", "30s", "--latency", "-s", str(self._script(pause_ms)), url]
        before = _cpu_s(process)
        done = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60)
        cpu_s = _cpu_s(process) - before
        line = next((s for s in done.stdout.splitlines() if s.startswith(_MARKER)), None)
        if done.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed against {url}: {done.stdout}{done.stderr}")
        out = json.loads(line.removeprefix(_MARKER))
        count = int(out["requests"])
        return _Load(
            p50_ms=out["p50_us"] / 1e3,
            p90_ms=out["p90_us"] / 1e3,
            p99_ms=out["p99_us"] / 1e3,
            rate=count / (out["duration_us"] / 1e6),
            cpu_us=cpu_s / max(count, 1) * 1e6,
            failed=int(out["failed"]),
            sockets=tuple(int(out[kind]) for kind in _SOCKET_ERRORS),
        )


def _wrk_binary() -> str:
    script = Path(__file__).resolve().parent.parent / "scripts" / "wrk.sh"
    done = subprocess.run([str(script), "ensure"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr.strip() or f"{script} ensure failed")
    return done.stdout.strip().splitlines()[-1]


Target: TypeAlias = tuple[str, "subprocess.Popen[str]"]  # URL, the process whose CPU is reported


def _stack(root: Path, delay_ms: float, servers: ExitStack) -> dict[str, Target]:
    """An upstream (answering after ``delay_ms``) and the hops in front of it, each stopped
    when ``servers`` closes."""

    def spawn(role: str, upstream: str = "") -> tuple[subprocess.Popen[str], str]:
        process, (url,) = _spawn(role, root, upstream, delay_ms if role == "upstream" else 0)
        servers.callback(_stop, process)
        return process, url

    upstream, base_url = spawn("upstream")
    gw, gw_url = spawn("gateway", base_url)
    bare, bare_url = spawn("gateway-untraced", base_url)
    proxy, proxy_url = spawn("starlette-proxy", base_url)
    core, core_url = spawn("httpcore-proxy", base_url)
    return {
        "upstream-direct": (f"{base_url}/chat/completions", upstream),
        "starlette-proxy": (f"{proxy_url}/v1/chat/completions", proxy),
        "httpcore-proxy": (f"{core_url}/v1/chat/completions", core),
        "through-gateway": (f"{gw_url}/v1/chat/completions", gw),
        "gateway-untraced": (f"{bare_url}/v1/chat/completions", bare),
    }


def _settle(delay_ms: float) -> None:
    # When wrk stops, up to 64 requests are still waiting on the upstream, and they hold their
    # slots in the gateway's bulkhead (64 calls, no waiting) until the upstream answers: the next
    # run against that gateway would start with 502s. Let them finish first.
    time.sleep(delay_ms / 1e3 + 0.1)


def gateway(n: int, root: Path, runs: int, wrk: _Wrk, delay_ms: float) -> None:
    serial: dict[str, list[tuple[float, float, float]]] = {}
    loaded: dict[str, dict[str, list[_Load]]] = {"saturation": {}, "delayed": {}}
    with ExitStack() as servers:  # stops every server, also when a measurement fails
        fast, slow = _stack(root, 0, servers), _stack(root, delay_ms, servers)
        regimes = {"saturation": fast, "delayed": slow}
        # Paced only with the delayed upstream: a pause would lower the saturation load.
        pause = {"saturation": 0, "delayed": round(delay_ms)}
        for _ in range(runs):
            with _client() as client:
                for name, (url, process) in fast.items():
                    before = _cpu_s(process)
                    values = _latencies(lambda url=url: client.post(url, json=wrk.body), n)
                    cpu_us = (_cpu_s(process) - before) / (n + min(200, n)) * 1e6
                    serial.setdefault(name, []).append((_ms(values, 50), _ms(values, 99), cpu_us))
            for regime, targets in regimes.items():
                for name, (url, process) in targets.items():
                    # A second of load first, so that each run measures a warm hop: between
                    # its runs a target sits idle longer than the 30 s its upstream connections
                    # are kept, and 64 new ones at the start of a 5 s run cost the gateway 1 to
                    # 2.5 ms of p99 (two runs after 35 s idle against two right after load).
                    wrk.run(url, process, pause_ms=pause[regime], duration_s=1)
                    _settle(delay_ms)
                    load = wrk.run(url, process, pause_ms=pause[regime])
                    loaded[regime].setdefault(name, []).append(load)
                    _settle(delay_ms)
    prompt = json.dumps(wrk.body["messages"])
    print(f"\nmedians of {runs} runs; added = over upstream-direct; {len(prompt):,} characters"
          " of messages a request")  # fmt: skip
    head = f"{'p50 ms':>8} {'p99 ms':>8} {'added p50':>10} {'added p99':>10}"
    print(f"\nconcurrency 1, {n} sequential requests on one keep-alive connection")
    print(f"{'target':<16} {head} {'CPU us/req':>11}")
    base = [_median([r[k] for r in serial["upstream-direct"]]) for k in range(3)]
    c1: dict[str, float] = {}
    for name, rows in serial.items():
        p50, p99, cpu = (_median([r[k] for r in rows]) for k in range(3))
        c1[name] = p50 - base[0]
        print(f"{name:<16} {p50:>8.3f} {p99:>8.3f} {p50 - base[0]:>10.3f} {p99 - base[1]:>10.3f}"
              f" {cpu:>11.0f}")  # fmt: skip
    titles = {
        "saturation": "upstream answers at once: every target at its throughput ceiling",
        "delayed": f"upstream answers after {delay_ms:g} ms, each connection pausing 0 to"
        f" {delay_ms:g} ms before each request: load under every hop's ceiling",
    }
    summary = {regime: _load_table(titles[regime], rows, wrk) for regime, rows in loaded.items()}
    _legend(c1, summary, delay_ms)


def _load_table(title: str, rows: dict[str, list[_Load]], wrk: _Wrk) -> dict[str, _Load]:
    """Print one concurrency-64 regime (medians, errors summed); return its median rows."""
    print(f"\nconcurrency {CONCURRENCY}, {title}")
    print(f"(wrk -t{wrk.threads} -c{CONCURRENCY} -d{wrk.duration_s}s, closed loop)")
    print(f"{'target':<16} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'added p50':>10}"
          f" {'added p99':>10} {'req/s':>8} {'CPU us/req':>11} {'errors':>7}")  # fmt: skip
    out: dict[str, _Load] = {}
    for name, loads in rows.items():
        out[name] = _Load(
            p50_ms=_median([r.p50_ms for r in loads]),
            p90_ms=_median([r.p90_ms for r in loads]),
            p99_ms=_median([r.p99_ms for r in loads]),
            rate=_median([r.rate for r in loads]),
            cpu_us=_median([r.cpu_us for r in loads]),
            failed=sum(r.failed for r in loads),
            sockets=tuple(sum(n) for n in zip(*(r.sockets for r in loads), strict=True)),
        )
    base = out["upstream-direct"]
    for name, row in out.items():
        print(f"{name:<16} {row.p50_ms:>8.3f} {row.p90_ms:>8.3f} {row.p99_ms:>8.3f}"
              f" {row.p50_ms - base.p50_ms:>10.3f} {row.p99_ms - base.p99_ms:>10.3f}"
              f" {row.rate:>8,.0f} {row.cpu_us:>11.0f} {row.errors:>7}")  # fmt: skip
    for name, loads in rows.items():
        for run, load in enumerate(loads, 1):
            if load.errors:
                print(
                    f"!!! ERRORS: {name}, run {run}: {load.describe_errors()}; wrk's latency and"
                    " throughput count failed requests too, so this row is not a clean measure"
                )
    return out


def _legend(c1: dict[str, float], loads: dict[str, dict[str, _Load]], delay_ms: float) -> None:
    """State each acceptance target, where it is judged, and whether the gateway met it."""
    sat, slow = loads["saturation"], loads["delayed"]
    gw_c1 = c1["through-gateway"]
    print("\ntargets (through-gateway against upstream-direct):")
    print(f"  added p50 under 1 ms at concurrency 1: {gw_c1:+.3f} ms, {_verdict(gw_c1 < 1)}")
    for regime, rows in (("at saturation", sat), (f"with the {delay_ms:g} ms upstream", slow)):
        gw = rows["through-gateway"]
        added = gw.p99_ms - rows["upstream-direct"].p99_ms
        failed = f", with {gw.errors} failed requests" if gw.errors else ""
        print(
            f"  added p99 under 10 ms at concurrency {CONCURRENCY}, {regime}: {added:+.3f} ms,"
            f" {_verdict(added < 10 and not gw.errors)}{failed}"
        )
    rate, floor = sat["through-gateway"].rate, sat["starlette-proxy"].rate
    print(
        f"  throughput beside the bare Starlette pass-through, at saturation: {rate:,.0f} against"
        f" {floor:,.0f} req/s ({rate / floor:.0%})"
    )
    bare = sat["gateway-untraced"].p99_ms - sat["upstream-direct"].p99_ms
    print(
        f"  (not a target) the same hop with tracing off, added p99 at saturation: {bare:+.3f} ms;"
        " the rest of the gateway's figure is the CPU its spans take"
    )
    print(
        "  (at saturation a closed loop measures queueing, 64 / throughput: the upstream, wrk and"
        " the hop share this machine's cores, so what a hop adds there is mostly the CPU it takes"
        " from the upstream, its recorder's included)"
    )
    direct = slow["upstream-direct"]
    for name, row in slow.items():
        if row.rate < 0.95 * direct.rate:
            print(
                f"!!! {name} carried {row.rate:,.0f} of the {direct.rate:,.0f} req/s the upstream"
                f" served directly with a {delay_ms:g} ms delay: it saturated, so its row there"
                " measures queueing (for the gateway, raise --upstream-delay-ms)"
            )


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


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
    parser.add_argument(
        "--duration", type=int, default=5, help="seconds of each wrk run at concurrency 64"
    )
    parser.add_argument(
        "--wrk-threads", type=int, choices=[1, 2], default=1, help="wrk's threads (-t)"
    )
    parser.add_argument(
        "--upstream-delay-ms",
        type=float,
        default=200.0,
        help="the delayed upstream's answer time in the second concurrency-64 regime",
    )
    parser.add_argument(
        "--prompt-chars",
        type=int,
        default=0,
        help="a system prompt of this many characters before the user's 'hello' (0: none); "
        "tracing's cost grows with the prompt, which every span records",
    )
    parser.add_argument("--role", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--upstream", default="", help=argparse.SUPPRESS)
    parser.add_argument("--delay-ms", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        _run_server(args.role, Path(args.root), args.upstream, args.loop, args.http, args.delay_ms)
        return
    _SERVER_OPTIONS.extend(["--loop", args.loop, "--http", args.http])
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "pass"):
            pass_through(args.requests, Path(tmp))
        if args.only in (None, "gateway"):
            body = chat_body(args.prompt_chars)
            wrk = _Wrk(_wrk_binary(), args.wrk_threads, args.duration, Path(tmp), body)
            gateway(args.requests, Path(tmp), args.runs, wrk, args.upstream_delay_ms)
        if args.only in (None, "ingest"):
            ingest(args.batch, args.batches, Path(tmp))


if __name__ == "__main__":
    main()
