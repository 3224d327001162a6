"""``surefoot monitor``: evaluate monitors over the store now, and show what is firing."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.table import Table

from surefoot.cli._app import app, console, state_of
from surefoot.cli._time import format_ns, parse_duration_s
from surefoot.core import AlertRecord, AlertState, CheckRecord, Settings
from surefoot.monitor import default_monitors, load_monitors, monitors_from_settings, run_monitors
from surefoot.store import MonitorStore, Store

monitor_app = typer.Typer(help="Evaluate monitors and inspect alerts.", no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")


def _json(record: CheckRecord | AlertRecord) -> dict[str, Any]:
    data = asdict(record)
    return {k: v.value if hasattr(v, "value") else v for k, v in data.items()}


def _open(settings: Settings) -> Store:
    # Evaluating writes checks, so it needs the current schema; it never migrates by itself.
    return Store.open(settings.store, migrate=False)


@monitor_app.command("run")
def run_cmd(
    ctx: typer.Context,
    window: Annotated[str, typer.Option(help="Window length: 15m, 1h, 1d.")] = "1h",
    reference: Annotated[int, typer.Option(min=1, help="Earlier windows as reference.")] = 24,
    monitors: Annotated[
        str | None, typer.Option(help="Monitors declared in code: 'package.module:NAME'.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON check per line.")] = False,
) -> None:
    """Evaluate monitors over the window ending now; store checks and alert changes.

    Monitors come from --monitors, else the config file's monitors.<name> tables, else the
    default set (whose window and reference --window and --reference set).
    """
    settings = state_of(ctx).settings()
    # Precedence: monitors named on the command line, then the config file, then the defaults.
    if monitors:
        chosen = load_monitors(monitors)
    elif settings.monitors:
        chosen = monitors_from_settings(settings.monitors)
    else:
        chosen = default_monitors(parse_duration_s(window), reference)
    with _open(settings) as store:
        outcomes = run_monitors(store, MonitorStore(store.engine), chosen)
    if as_json:
        for outcome in outcomes:
            typer.echo(json.dumps(_json(outcome.check)))
        return
    table = Table("monitor", "status", "method", "value", "p-value", "n", "alert", "message")
    for o in outcomes:
        c = o.check
        table.add_row(
            c.monitor,
            c.status.value,
            c.method,
            "-" if c.value is None else f"{c.value:.3g}",
            "-" if c.p_value is None else f"{c.p_value:.2g}",
            str(c.n),
            "-" if o.alert is None else o.alert.state.value,
            c.message,
        )
    console.print(table)


@monitor_app.command("status")
def status_cmd(
    ctx: typer.Context,
    show_all: Annotated[bool, typer.Option("--all", help="Resolved alerts too.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many alerts.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON alert per line.")] = False,
) -> None:
    """Show firing alerts (and with --all, resolved ones), newest first."""
    with _open(state_of(ctx).settings()) as store:
        alerts = MonitorStore(store.engine).alerts(None if show_all else AlertState.FIRING, limit)
    if as_json:
        for alert in alerts:
            typer.echo(json.dumps(_json(alert)))
        return
    if not alerts:
        console.print("no alerts firing" if not show_all else "no alerts")
        return
    table = Table("monitor", "severity", "state", "opened", "checks", "example traces", "message")
    for a in alerts:
        table.add_row(
            a.monitor,
            a.severity.value,
            a.state.value,
            format_ns(a.opened_ns),
            str(len(a.check_ids)),
            " ".join(a.trace_ids[:3]),
            a.message,
        )
    console.print(table)
