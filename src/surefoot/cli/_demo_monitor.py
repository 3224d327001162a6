"""Act 4 of ``surefoot demo``: drift and a retrieval collapse become one incident and a webhook.

Three quarters of an hour of a support bot's traffic is simulated on an injected clock, five
minutes per window, until the questions grow longer (an input feature drifts) and the retrieval
scores collapse at the same time. The scheduler evaluates each window from the stored profiles as
it closes; the two alerts join one incident with a runbook and a timeline, and a Slack-style
webhook to a receiver on 127.0.0.1 gets each event. The on-call person acknowledges it, as they
would from the CLI.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.markup import escape
from rich.table import Table

from surefoot.cli._time import format_ns
from surefoot.core import (
    FakeClock,
    IncidentEventKind,
    IncidentRecord,
    MonitoringSettings,
    Settings,
    Severity,
    WebhookSettings,
)
from surefoot.monitor import IncidentPolicy, Monitor, Scheduler
from surefoot.store import MonitorStore, Store
from surefoot.testing import WebhookReceiver

if TYPE_CHECKING:
    from rich.console import Console

SOURCE = "support-bot"
WINDOW_S = 300.0
CLEAN, DRIFTED = 6, 3
PER_WINDOW = 150
RUNBOOK = "https://surefoot.readthedocs.io/en/latest/monitor/#runbook-retrieval-collapse"


def demo_monitors() -> list[Monitor]:
    """The act's monitors: drift of question length, and a floor under the retrieval score."""
    return [
        Monitor(
            "question-length-drift", "question_length", window_s=WINDOW_S, reference_windows=4,
            source=SOURCE, fire_after=1, resolve_after=2,
        ),
        Monitor(
            "retrieval-collapse", "retrieval_top_score", method="mean_below", threshold=0.55,
            window_s=WINDOW_S, source=SOURCE, severity=Severity.CRITICAL, fire_after=1,
            resolve_after=2, runbook=RUNBOOK,
        ),
    ]  # fmt: skip


def _start_s(store: Store, now_s: float) -> float:
    # The story's hour ends now; a rerun starts after the previous run's windows and references
    # so its windows are new to the scheduler and its references hold only its own traffic.
    start = now_s - now_s % WINDOW_S - (CLEAN + DRIFTED) * WINDOW_S
    checks = MonitorStore(store.engine)
    latest = [c.window_end_ns for m in demo_monitors() for c in checks.checks(m.name, 1)]
    if latest:
        start = max(start, max(latest) / 1e9 + 6 * WINDOW_S)
    return start


def run_monitor_act(console: Console, settings: Settings | None = None) -> IncidentRecord | None:
    """Play act 4 on the demo's store and return the incident it opened."""
    console.rule("[bold]4. Monitoring: drift and a retrieval collapse become one incident")
    settings = settings or Settings.load()
    rng = np.random.default_rng(4)
    with Store.open(settings.store) as store, WebhookReceiver() as receiver:
        clock = FakeClock(start_s=_start_s(store, time.time()))
        policy = IncidentPolicy(
            correlation_s=1800.0,
            webhooks={"ops-slack": WebhookSettings(url=receiver.url, kind="slack")},
        )
        scheduler = Scheduler(
            store, demo_monitors(), clock=clock, policy=policy,
            settings=MonitoringSettings(profile_window_s=WINDOW_S, lateness_s=0.0), catch_up=1,
        )  # fmt: skip
        table = Table("window", "question length", "top score", "checks", "alerts")
        try:
            for w in range(CLEAN + DRIFTED):
                _window(scheduler, clock, rng, w, table)
            incident = _incident(scheduler, clock)
        finally:
            scheduler.close()
        console.print(table)
        if incident is not None:
            _show(console, scheduler, incident, [r.json for r in receiver.received])
        return incident


def _window(scheduler: Scheduler, clock: FakeClock, rng: Any, w: int, table: Table) -> None:
    drifted = CLEAN <= w < CLEAN + DRIFTED
    lengths = rng.lognormal(np.log(260 if drifted else 90), 0.35, PER_WINDOW)
    scores = np.clip(rng.normal(0.31 if drifted else 0.78, 0.07, PER_WINDOW), 0, 1)
    start = clock.now_ns()
    times = [start + i * int(WINDOW_S * 1e9) // PER_WINDOW for i in range(PER_WINDOW)]
    scheduler.writer.log_batch(
        SOURCE,
        {"question_length": lengths.round().tolist(), "retrieval_top_score": scores.tolist()},
        at=times,
    )
    clock.advance(WINDOW_S)
    result = scheduler.run_once()
    checks = ", ".join(o.check.status.value for o in result.outcomes)
    # Only alerts opening are news here; one that keeps firing (or a rerun's leftovers) is not.
    changed = [
        o.alert
        for o in result.outcomes
        if o.alert is not None and o.alert.opened_ns == o.alert.updated_ns
    ]
    alerts = ", ".join(f"{a.monitor} {a.state.value}" for a in changed)
    table.add_row(
        format_ns(start)[11:16], f"{np.median(lengths):.0f}", f"{scores.mean():.2f}", checks,
        alerts or "-",
    )  # fmt: skip


def _incident(scheduler: Scheduler, clock: FakeClock) -> IncidentRecord | None:
    found = [i for i in scheduler.incidents.incidents(limit=5) if i.source == SOURCE]
    if not found:
        return None
    incident = found[0]
    clock.advance(120)
    scheduler.incidents.act(
        incident.incident_id, IncidentEventKind.ACKNOWLEDGED, "on-call", "looking at the index",
        clock.now_ns(),
    )  # fmt: skip
    return scheduler.incidents.incident(incident.incident_id)


def _show(
    console: Console, scheduler: Scheduler, incident: IncidentRecord, bodies: list[dict[str, Any]]
) -> None:
    console.print(
        f"incident [bold]{incident.incident_id}[/]: {incident.title} · {incident.severity.value}"
        f" · {incident.state.value} · {len(incident.alert_ids)} alerts"
    )
    console.print(f"runbook: {incident.runbook}")
    timeline = Table("when", "what", "who", "detail", title="timeline")
    for e in scheduler.incidents.timeline(incident.incident_id):
        timeline.add_row(format_ns(e.at_ns)[11:19], e.kind.value, e.actor, escape(e.message[:100]))
    console.print(timeline)
    fired = [b for b in bodies if ":white_check_mark:" not in str(b.get("text"))]
    if fired:
        console.print(f"the webhook receiver on 127.0.0.1 got {len(bodies)} event(s); the first:")
        console.print_json(json.dumps(fired[0]))
    console.print(f"see it again: surefoot incidents show {incident.incident_id}")
