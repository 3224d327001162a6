"""``surefoot actions``: inspect, recover stale actions, verify the audit chain, run a worker."""

from __future__ import annotations

import importlib
import json
import signal
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from surefoot.actions import Actions, RecoveryReport
from surefoot.cli._app import app, console, err_console, fail, state_of
from surefoot.cli._time import format_ns, parse_duration_s
from surefoot.core import ActionRecord, ActionStatus, InvalidInput, SurefootError
from surefoot.store import Store

if TYPE_CHECKING:
    from collections.abc import Iterator

actions_app = typer.Typer(
    help="Consequential actions: inspect, recover, verify the audit log.", no_args_is_help=True
)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
actions_app.add_typer(audit_app, name="audit")
app.add_typer(actions_app, name="actions")

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Imports = Annotated[
    list[str] | None,
    typer.Option(
        "--import",
        "-i",
        help="Module declaring @action definitions (repeatable); only their actions are run.",
    ),
]


@contextmanager
def _actions(ctx: typer.Context, imports: list[str] | None = None) -> Iterator[Actions]:
    try:
        for module in imports or ():
            _import(module)
        with Store.open(state_of(ctx).settings().store) as store:
            yield Actions(store, owner=None)
    except SurefootError as exc:
        raise fail(exc) from None


def _import(module: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise InvalidInput(
            f"cannot import {module!r} ({exc})",
            hint="name an importable module (a dotted path on PYTHONPATH) declaring the actions",
        ) from exc


def _row(record: ActionRecord) -> dict[str, Any]:
    return {
        "key": record.key,
        "name": record.name,
        "status": str(record.status),
        "attempts": record.attempts,
        "owner": record.owner,
        "lease_expires_ns": record.lease_expires_ns,
        "review_id": record.review_id,
        "error": record.error,
        "params": record.params,
        "result": record.result,
        "created_ns": record.created_ns,
        "updated_ns": record.updated_ns,
    }


@actions_app.command("list")
def list_cmd(
    ctx: typer.Context,
    status: Annotated[ActionStatus | None, typer.Option(help="Only actions in this state.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    as_json: AsJson = False,
) -> None:
    """List actions, oldest first."""
    with _actions(ctx) as actions:
        found = actions.records.list_actions(status, limit)
    if as_json:
        for record in found:
            typer.echo(json.dumps(_row(record)))
        return
    table = Table("key", "name", "status", "attempts", "updated", "error")
    for r in found:
        table.add_row(
            r.key, r.name, str(r.status), str(r.attempts), format_ns(r.updated_ns), r.error or ""
        )
    console.print(table)


@actions_app.command("show")
def show_cmd(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The idempotency key.")],
    as_json: AsJson = False,
) -> None:
    """Show one action with its audit trail."""
    with _actions(ctx) as actions:
        record = actions.get(key)
        trail = actions.audit(key) if record is not None else []
    if record is None:
        err_console.print(f"[bold red]error:[/] no action with key {escape(repr(key))}")
        err_console.print("[yellow]fix:[/] list keys with `surefoot actions list`")
        raise typer.Exit(code=1)
    events = [
        {"seq": e.seq, "event": e.event, "actor": e.actor, "reason": e.reason, "at_ns": e.at_ns}
        for e in trail
    ]
    if as_json:
        typer.echo(json.dumps({**_row(record), "audit": events}))
        return
    console.print_json(json.dumps(_row(record)))
    table = Table("seq", "event", "actor", "reason", "at")
    for e in trail:
        table.add_row(str(e.seq), e.event, e.actor, e.reason, format_ns(e.at_ns))
    console.print(table)


def _print_report(report: RecoveryReport, *, quiet_when_empty: bool = False) -> None:
    parts = {
        "resumed": report.resumed,
        "reported": report.reported,
        "approved": report.approved,
        "rejected": report.rejected,
        "failed": report.failed,
        "skipped": report.skipped,
    }
    if quiet_when_empty and not any(parts.values()):
        return
    for label, keys in parts.items():
        if keys:
            console.print(f"{label} ({len(keys)}): {', '.join(keys)}")
    if not any(parts.values()):
        console.print("nothing to recover")


@actions_app.command("recover")
def recover_cmd(
    ctx: typer.Context,
    imports: Imports = None,
    report_unregistered: Annotated[
        bool,
        typer.Option(
            help="Mark stale actions with no imported definition unknown (default: skip them)."
        ),
    ] = False,
) -> None:
    """Sweep now: resume or report stale actions, run approved ones, close rejected ones."""
    with _actions(ctx, imports) as actions:
        report = actions.recover(unregistered="report" if report_unregistered else "skip")
    _print_report(report)
    if report.failed:
        raise typer.Exit(code=1)


@audit_app.command("verify")
def verify_cmd(ctx: typer.Context) -> None:
    """Check the audit log's hash chain; exit 1 naming the first row that does not hold."""
    with _actions(ctx) as actions:
        bad = actions.verify_audit()
        entries = actions.audit()
    rows = len(entries)
    entry = next((e for e in entries if e.seq == bad), None) if bad is not None else None
    if bad is None:
        console.print(f"audit chain intact: {rows} rows")
        return
    what = f" (action {entry.key!r}, event {entry.event!r})" if entry is not None else ""
    err_console.print(f"[bold red]error:[/] audit chain broken at row {bad}{what}")
    err_console.print(
        "[yellow]fix:[/] the row or one before it was edited or deleted; restore the "
        "audit table from a backup and investigate who changed it"
    )
    raise typer.Exit(code=1)


@actions_app.command("worker")
def worker_cmd(
    ctx: typer.Context,
    imports: Imports = None,
    every: Annotated[str, typer.Option(help="Pause between sweeps (e.g. 5s, 1m).")] = "5s",
    rounds: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many sweeps (default: never).")
    ] = None,
) -> None:
    """Run approved actions promptly and recover stale ones, until SIGTERM or Ctrl-C."""
    try:
        every_s = parse_duration_s(every)
    except SurefootError as exc:
        raise fail(exc) from None
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())
    try:
        with _actions(ctx, imports) as actions:
            err_console.print(f"action worker {actions.owner}: sweeping every {every_s:g}s")
            touched = actions.work(
                every_s=every_s,
                stop=stop,
                rounds=rounds,
                on_round=lambda r: _print_report(r, quiet_when_empty=True),
            )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    err_console.print(f"action worker stopped; {touched} actions settled")
