"""``surefoot incidents``: list, inspect, acknowledge and resolve incidents."""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from surefoot.cli._app import app, console, state_of
from surefoot.cli._time import format_ns
from surefoot.core import (
    SYSTEM_CLOCK,
    DeliveryRecord,
    IncidentEvent,
    IncidentEventKind,
    IncidentRecord,
    IncidentState,
    Settings,
    plain_dict,
)
from surefoot.store import IncidentStore, MonitorStore, Store

incidents_app = typer.Typer(help="Incidents: grouped alerts with runbook and timeline.")
app.add_typer(incidents_app, name="incidents", no_args_is_help=True)

ByOption = Annotated[str | None, typer.Option("--by", help="Who acts (default: the current user).")]


def _open(settings: Settings) -> Store:
    return Store.open(settings.store, migrate=False)


@incidents_app.command("list")
def list_cmd(
    ctx: typer.Context,
    show_all: Annotated[bool, typer.Option("--all", help="Resolved incidents too.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many incidents.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON incident per line.")] = False,
) -> None:
    """Show unresolved incidents (and with --all, resolved ones), newest first."""
    with _open(state_of(ctx).settings()) as store:
        found = IncidentStore(store.engine).incidents(limit=limit)
    if not show_all:
        found = [i for i in found if i.state is not IncidentState.RESOLVED]
    if as_json:
        for incident in found:
            typer.echo(json.dumps(plain_dict(incident)))
        return
    if not found:
        console.print("no open incidents" if not show_all else "no incidents")
        return
    table = Table("id", "severity", "state", "source", "opened", "alerts", "title")
    for i in found:
        table.add_row(
            i.incident_id, i.severity.value, i.state.value, i.source, format_ns(i.opened_ns),
            str(len(i.alert_ids)), escape(i.title),
        )  # fmt: skip
    console.print(table)


@incidents_app.command("show")
def show_cmd(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(help="Incident id (see incidents list).")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
) -> None:
    """Show an incident: its alerts, runbook, timeline and webhook deliveries."""
    with _open(state_of(ctx).settings()) as store:
        incidents = IncidentStore(store.engine)
        incident = incidents.incident(incident_id)
        alerts = MonitorStore(store.engine).alerts(alert_ids=incident.alert_ids)
        timeline = incidents.timeline(incident_id)
        deliveries = incidents.deliveries(incident_id)
    if as_json:
        document = plain_dict(incident) | {
            "alerts": [plain_dict(a) for a in alerts],
            "timeline": [plain_dict(e) for e in timeline],
            "deliveries": [plain_dict(d) for d in deliveries],
        }
        typer.echo(json.dumps(document))
        return
    _print_incident(incident)
    alert_table = Table("alert", "monitor", "severity", "state", "opened", "message")
    for a in alerts:
        alert_table.add_row(
            a.alert_id, a.monitor, a.severity.value, a.state.value, format_ns(a.opened_ns),
            escape(a.message),
        )  # fmt: skip
    console.print(alert_table)
    _print_timeline(timeline)
    _print_deliveries(deliveries)


def _print_incident(i: IncidentRecord) -> None:
    console.print(f"[bold]{escape(i.title)}[/]  ({i.incident_id})")
    console.print(f"severity {i.severity.value} · state {i.state.value} · source {i.source}")
    if i.acknowledged_by:
        console.print(f"acknowledged by {i.acknowledged_by}")
    console.print(f"runbook: {i.runbook}")


def _print_timeline(events: list[IncidentEvent]) -> None:
    table = Table("when", "what", "who", "detail", title="timeline")
    for e in events:
        table.add_row(format_ns(e.at_ns), e.kind.value, e.actor, escape(e.message))
    console.print(table)


def _print_deliveries(deliveries: list[DeliveryRecord]) -> None:
    if not deliveries:
        console.print("no webhook deliveries")
        return
    table = Table("webhook", "event", "state", "attempts", "last error", title="webhooks")
    for d in deliveries:
        table.add_row(
            d.webhook, d.event, d.state.value, str(d.attempts), escape(d.last_error or "-")
        )
    console.print(table)


def _act(
    ctx: typer.Context, incident_id: str, kind: IncidentEventKind, by: str | None, note: str
) -> None:
    actor = by or getpass.getuser()
    with _open(state_of(ctx).settings()) as store:
        incident = IncidentStore(store.engine).act(
            incident_id, kind, actor, note, SYSTEM_CLOCK.now_ns()
        )
    console.print(
        f"incident {incident.incident_id}: {kind.value} by {actor} ({incident.state.value})"
    )


@incidents_app.command("ack")
def ack_cmd(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(help="Incident id.")],
    by: ByOption = None,
    note: Annotated[str, typer.Option(help="A note for the timeline.")] = "",
) -> None:
    """Acknowledge an incident: someone is on it."""
    _act(ctx, incident_id, IncidentEventKind.ACKNOWLEDGED, by, note or "acknowledged")


@incidents_app.command("resolve")
def resolve_cmd(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(help="Incident id.")],
    by: ByOption = None,
    note: Annotated[str, typer.Option(help="What fixed it, for the timeline.")] = "",
) -> None:
    """Resolve an incident by hand (it also resolves by itself once all its alerts have)."""
    _act(ctx, incident_id, IncidentEventKind.RESOLVED, by, note or "resolved")


@incidents_app.command("note")
def note_cmd(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(help="Incident id.")],
    text: Annotated[str, typer.Argument(help="The note.")],
    by: ByOption = None,
) -> None:
    """Add a note to an incident's timeline."""
    _act(ctx, incident_id, IncidentEventKind.NOTE, by, text)
