"""``surefoot demo``: the end-to-end scenario on embedded defaults."""

from __future__ import annotations

import time
from collections import Counter
from typing import Annotated

import typer
from rich.table import Table

from surefoot import tracing
from surefoot.cli._app import app, console, state_of
from surefoot.cli._demo_support import QUESTIONS, SupportModel, answer
from surefoot.cli._traces import _table
from surefoot.cli._tree import render_trace
from surefoot.core import SpanStatus, SurefootError
from surefoot.providers import CallableProvider
from surefoot.store import Store, TraceQuery


@app.command()
def demo(
    ctx: typer.Context,
    requests: Annotated[int, typer.Option(min=1, max=100_000, help="Support requests.")] = 300,
    seed: Annotated[int, typer.Option(help="Seed of the model's bad days.")] = 7,
) -> None:
    """Run the end-to-end scenario and show what surefoot recorded."""
    settings = state_of(ctx).settings()
    tracing.init(settings)
    started_ns = time.time_ns()
    try:
        _act_traced_assistant(requests, seed)
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
        f"recorder: {stats.written} spans written, {stats.spooled} spooled, "
        f"{stats.dropped_queue_full} dropped; flushed={flushed}"
    )


def _show_recorded(store: Store, since_ns: int) -> None:
    console.rule("[bold]What surefoot recorded")
    recent = store.list_traces(TraceQuery(since_ns=since_ns, limit=8))
    console.print(_table(recent))
    failed = store.list_traces(TraceQuery(since_ns=since_ns, status=SpanStatus.ERROR, limit=1))
    if failed:
        console.print("\n[bold]One failed request, as `surefoot traces show` prints it:")
        trace_id = failed[0].trace_id
        console.print(render_trace(store.get_trace(trace_id), store.get_trace_summary(trace_id)))
    console.print(
        "\nExplore further: [bold].venv/bin/surefoot traces list --status error[/], "
        "[bold].venv/bin/surefoot traces show TRACE_ID[/]"
    )
