"""``surefoot demo``: the end-to-end scenario on embedded defaults."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from surefoot import tracing
from surefoot.cli import _demo_gateway, _demo_guard, _demo_monitor
from surefoot.cli._app import app, console, state_of
from surefoot.cli._demo_support import QUESTIONS, SupportModel, answer
from surefoot.cli._traces import _table
from surefoot.cli._tree import render_trace
from surefoot.core import SpanKind, SpanStatus, SurefootError
from surefoot.providers import CallableProvider
from surefoot.store import Store, TraceQuery

DEMO_PRICES = Path(__file__).with_name("demo_prices.toml")


@app.command()
def demo(
    ctx: typer.Context,
    requests: Annotated[int, typer.Option(min=1, max=100_000, help="Support requests.")] = 300,
    seed: Annotated[int, typer.Option(help="Seed of the model's bad days.")] = 7,
    guard_requests: Annotated[
        int, typer.Option(min=8, max=10_000, help="Guarded requests per phase of act 2.")
    ] = 40,
    gateway: Annotated[
        bool, typer.Option(help="Run act 3: the gateway in front of the real local model.")
    ] = True,
) -> None:
    """Run the end-to-end scenario and show what surefoot recorded."""
    settings = state_of(ctx).settings()
    if settings.tracing.price_table is None:
        # The demo's models are fictional, and so are their prices: without them every trace
        # would cost $0, as a model missing from the price table does.
        priced = settings.tracing.model_copy(update={"price_table": DEMO_PRICES})
        settings = settings.model_copy(update={"tracing": priced})
    tracing.init(settings)
    started_ns = time.time_ns()
    try:
        _act_traced_assistant(requests, seed)
        _act_guard(guard_requests)
        if gateway:
            _demo_gateway.run_gateway_act(console)
        _demo_monitor.run_monitor_act(console, settings)
    finally:
        tracing.shutdown()
    with Store.open(settings.store, migrate=False) as store:
        _show_recorded(store, started_ns)


def _act_traced_assistant(requests: int, seed: int) -> None:
    console.rule("[bold]1. A support assistant, every request traced")
    provider = CallableProvider(SupportModel(seed=seed), name="nimbus-local")
    outcomes: Counter[str] = Counter()
    began = time.perf_counter()
    for i in range(requests):
        try:
            answer(provider, QUESTIONS[i % len(QUESTIONS)], user=f"customer-{i % 37}")
            outcomes["answered"] += 1
        except SurefootError as exc:
            outcomes[type(exc).__name__] += 1
    elapsed = time.perf_counter() - began
    flushed = tracing.flush(timeout_s=10)
    table = Table(show_header=False, box=None)
    for outcome, count in outcomes.most_common():
        table.add_row(outcome, str(count))
    console.print(f"{requests} requests in {elapsed:.2f} s; outcomes:")
    console.print(table)
    stats = tracing.stats()
    console.print(
        f"recorder: {stats.enqueued} spans acknowledged, {stats.written} written to the store "
        f"(each journaled to the spool first), {stats.pending} pending, "
        f"{stats.dropped_queue_full} dropped; flushed={flushed}"
    )


def _act_guard(requests_per_phase: int) -> None:
    console.rule("[bold]2. The guard contains an outage and catches a silent model upgrade")
    console.print(
        f"primary pinned to {_demo_guard.PRIMARY_PIN}, backup {_demo_guard.BACKUP_PIN}, "
        f"deadline {_demo_guard.DEADLINE_S:.1f} s per request; upstream: a FaultServer on 127.0.0.1"
    )
    reports, transitions = _demo_guard.run(requests_per_phase)
    table = Table(title_justify="left")
    for column in ("phase", "decisions", "pin mismatches", "upstream calls", "slowest"):
        table.add_column(column)
    for r in reports:
        decisions = ", ".join(f"{status} {n}" for status, n in r.decisions.most_common())
        mismatch = f"[red]{r.mismatches}[/]" if r.mismatches else "0"
        table.add_row(
            r.name, decisions, mismatch, str(r.upstream_calls), f"{r.max_latency_s * 1000:.0f} ms"
        )
    console.print(table)
    console.print("circuit breaker: " + ("; ".join(transitions) or "never opened"))
    tracing.flush(timeout_s=10)


def _show_recorded(store: Store, since_ns: int) -> None:
    console.rule("[bold]What surefoot recorded")
    recent = store.list_traces(TraceQuery(since_ns=since_ns, limit=8))
    console.print(_table(recent))
    failed = store.list_traces(
        TraceQuery(since_ns=since_ns, status=SpanStatus.ERROR, text="support.answer", limit=1)
    )
    guarded = store.list_traces(
        TraceQuery(since_ns=since_ns, kind=SpanKind.GUARD, text="support-guard", limit=1)
    )
    for title, rows in [
        ("A support request that failed validation", failed),
        ("A guarded request after the silent upgrade: served, and the mismatch recorded", guarded),
    ]:
        if rows:
            trace_id = rows[0].trace_id
            console.print(f"\n[bold]{title}[/] (`surefoot traces show {trace_id}`):")
            console.print(
                render_trace(store.get_trace(trace_id), store.get_trace_summary(trace_id))
            )
    console.print(
        "\nExplore further: [bold].venv/bin/surefoot traces list --status error[/], "
        "[bold].venv/bin/surefoot traces show TRACE_ID[/]"
    )
