"""``surefoot monitor``: evaluate monitors over the store now, and show what is firing."""

from __future__ import annotations

import json
import signal
import threading
from typing import Annotated

import typer
from rich.table import Table

from surefoot.cli._app import app, console, state_of
from surefoot.cli._time import format_ns, parse_duration_s
from surefoot.core import AlertState, Settings, plain_dict
from surefoot.monitor import (
    IncidentPolicy,
    Monitor,
    Outcome,
    Scheduler,
    WebhookSender,
    default_monitors,
    load_monitors,
    monitors_from_settings,
    run_monitors,
)
from surefoot.store import IncidentStore, MonitorStore, Store

monitor_app = typer.Typer(help="Evaluate monitors and inspect alerts.", no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")


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
    every: Annotated[
        str | None,
        typer.Option(
            help="Run as a scheduler: a pass every 60s, 5m ... over stored profiles, "
            "filing incidents and sending webhooks, until SIGINT/SIGTERM."
        ),
    ] = None,
    passes: Annotated[
        int | None, typer.Option(min=1, help="With --every: stop after this many passes.")
    ] = None,
) -> None:
    """Evaluate monitors over the window ending now; store checks and alert changes.

    Monitors come from --monitors, else the config file's monitors.<name> tables, else the
    default set (whose window and reference --window and --reference set). With --every, the
    scheduler evaluates each complete window of the stored profiles instead, once.
    """
    settings = state_of(ctx).settings()
    # Precedence: monitors named on the command line, then the config file, then the defaults.
    if monitors:
        chosen = load_monitors(monitors)
    elif settings.monitors:
        chosen = monitors_from_settings(settings.monitors)
    else:
        chosen = default_monitors(parse_duration_s(window), reference)
    if every is not None:
        _schedule(settings, chosen, parse_duration_s(every), passes, as_json=as_json)
        return
    with _open(settings) as store:
        policy = IncidentPolicy.from_settings(settings)
        outcomes = run_monitors(store, MonitorStore(store.engine), chosen, policy=policy)
        if settings.webhooks:
            with WebhookSender(
                IncidentStore(store.engine), settings.webhooks, settings.monitoring
            ) as sender:
                sender.send_due()
    _print_outcomes(outcomes, as_json=as_json)


def _schedule(
    settings: Settings,
    monitors: list[Monitor],
    every_s: float,
    passes: int | None,
    *,
    as_json: bool,
) -> None:
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()  # the pass in flight finishes; the loop ends instead of waiting again

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    count = 0
    try:
        with _open(settings) as store:
            scheduler = Scheduler.from_settings(store, monitors, settings)
            try:
                while not stop.is_set() and (passes is None or count < passes):
                    result = scheduler.run_once()
                    count += 1
                    _print_outcomes(result.outcomes, as_json=as_json, quiet_empty=True)
                    if passes is None or count < passes:
                        stop.wait(every_s)
            finally:
                scheduler.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not as_json:
        console.print(f"scheduler stopped after {count} pass(es)")


def _print_outcomes(outcomes: list[Outcome], *, as_json: bool, quiet_empty: bool = False) -> None:
    if as_json:
        for outcome in outcomes:
            typer.echo(json.dumps(plain_dict(outcome.check)))
        return
    if quiet_empty and not outcomes:
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
            typer.echo(json.dumps(plain_dict(alert)))
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
