"""``surefoot traces``: list traces and show one as a tree of spans."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from surefoot.cli._app import app, console, state_of
from surefoot.cli._time import format_duration_ns, format_ns, parse_instant_ns
from surefoot.cli._tree import render_trace
from surefoot.core import DecisionStatus, InvalidInput, SpanKind, SpanStatus
from surefoot.store import Store, TraceQuery, TraceSummary

if TYPE_CHECKING:
    from surefoot.core import Settings

traces_app = typer.Typer(help="Inspect recorded traces.", no_args_is_help=True)
app.add_typer(traces_app, name="traces")


def _open(settings: Settings) -> Store:
    # Reading never migrates: a stale schema is reported with its fix instead.
    return Store.open(settings.store, migrate=False)


@traces_app.command("list")
def list_cmd(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="Start: 15m, 2h, 7d ago, or ISO time.")] = None,
    until: Annotated[str | None, typer.Option(help="End: a duration ago or an ISO time.")] = None,
    kind: Annotated[
        SpanKind | None, typer.Option(help="Only traces with a span of this kind.")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name or glob (gpt-4o*).")] = None,
    status: Annotated[SpanStatus | None, typer.Option(help="ok, error or unset.")] = None,
    decision: Annotated[DecisionStatus | None, typer.Option(help="Guard decision.")] = None,
    search: Annotated[str | None, typer.Option(help="Text in name, input or output.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many first.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List traces, newest first."""
    now_ns = time.time_ns()
    query = TraceQuery(
        since_ns=parse_instant_ns(since, now_ns=now_ns) if since else None,
        until_ns=parse_instant_ns(until, now_ns=now_ns) if until else None,
        kind=kind,
        model=model,
        status=status,
        decision=decision,
        text=search,
        limit=limit,
        offset=offset,
    )
    with _open(state_of(ctx).settings()) as store:
        rows = store.list_traces(query)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(summary_json(row)))
        return
    console.print(_table(rows))


def summary_json(row: TraceSummary) -> dict[str, Any]:
    """A trace summary as JSON-ready data."""
    return {
        "trace_id": row.trace_id,
        "name": row.name,
        "service": row.service,
        "start_ns": row.start_ns,
        "duration_ms": row.duration_ns / 1e6,
        "status": row.status.value,
        "decision": row.decision_status.value if row.decision_status else None,
        "model": row.model,
        "spans": row.span_count,
        "errors": row.error_count,
        "input_tokens": row.input_tokens,
        "output_tokens": row.output_tokens,
        "cost_usd": row.cost_usd,
    }


def _table(rows: list[TraceSummary]) -> Table:
    table = Table(title=f"{len(rows)} traces, newest first", title_justify="left")
    # The id must stay whole (it is what `traces show` takes); narrow terminals fold the rest.
    table.add_column("trace id", no_wrap=True, min_width=32)
    table.add_column("started", no_wrap=True, min_width=8)
    table.add_column("name", overflow="fold", min_width=12)
    table.add_column("status", no_wrap=True, min_width=5)
    for column in ("decision", "model"):
        table.add_column(column, overflow="fold", min_width=8)
    for column in ("spans", "duration", "tokens", "cost $"):
        table.add_column(column, justify="right", overflow="fold", min_width=5)
    for r in rows:
        failed = r.status is SpanStatus.ERROR
        table.add_row(
            r.trace_id,
            format_ns(r.start_ns)[11:19],
            # Names and models come from applications: text, never console markup.
            Text(r.name or "(root pending)"),
            f"[red]{r.status.value}[/]" if failed else r.status.value,
            r.decision_status.value if r.decision_status else "",
            Text(r.model or ""),
            str(r.span_count),
            format_duration_ns(r.duration_ns),
            f"{r.input_tokens}/{r.output_tokens}",
            # A model call costs fractions of a cent: six decimals, as `traces show` prints.
            f"{r.cost_usd:.6f}",
        )
    return table


@traces_app.command("show")
def show_cmd(
    ctx: typer.Context,
    trace_id: Annotated[str, typer.Argument(help="The 32-hex-digit trace id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the spans as JSON.")] = False,
) -> None:
    """Show one trace as a tree: timings, full prompt, model and version, tokens, cost."""
    with _open(state_of(ctx).settings()) as store:
        spans = store.get_trace(trace_id)
        summary = store.get_trace_summary(trace_id)
    if not spans:
        raise InvalidInput(
            f"no trace {trace_id!r} in the store",
            hint="copy an id from `surefoot traces list`; spans may still be in the spool",
        )
    if as_json:
        typer.echo(json.dumps([s.as_dict() for s in spans], indent=2, default=str))
        return
    console.print(render_trace(spans, summary))
