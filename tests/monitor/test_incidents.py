"""Alerts group into incidents per source, with a runbook, a timeline, and human ack/resolve."""

from __future__ import annotations

import numpy as np
import pytest
from tests.monitor.ops import bot_monitors, scheduler, traffic_window

from surefoot.core import IncidentEventKind, IncidentState, InvalidInput, Severity
from surefoot.monitor import IncidentPolicy, Scheduler
from surefoot.store import Store


def _drift(
    store: Store, clean: int = 4, drifted: int = 1, policy: IncidentPolicy | None = None
) -> Scheduler:
    sched = scheduler(store, policy)
    rng = np.random.default_rng(3)
    for w in range(clean + drifted):
        traffic_window(sched, rng, drifted=w >= clean)
    return sched


def test_two_alerts_on_one_source_share_one_incident(store: Store) -> None:
    """Alerts that fire together on one source join one incident at the highest severity."""
    incidents = _drift(store).incidents.incidents()
    assert len(incidents) == 1
    incident = incidents[0]
    assert len(incident.alert_ids) == 2 and incident.severity is Severity.CRITICAL
    assert incident.state is IncidentState.OPEN and incident.runbook.startswith("https://")


def test_the_timeline_records_opening_and_each_alert(store: Store) -> None:
    """The timeline starts with the opening and then one entry per alert fired."""
    sched = _drift(store)
    incident = sched.incidents.incidents()[0]
    kinds = [e.kind for e in sched.incidents.timeline(incident.incident_id)]
    assert kinds == [
        IncidentEventKind.OPENED,
        IncidentEventKind.ALERT_FIRED,
        IncidentEventKind.ALERT_FIRED,
    ]


def test_a_monitor_runbook_names_the_incident_runbook(store: Store) -> None:
    """A monitor's own runbook link replaces the default on the incident it opens."""
    sched = scheduler(store, monitors=bot_monitors(runbook="https://wiki.example/bot"))
    rng = np.random.default_rng(3)
    for w in range(5):
        traffic_window(sched, rng, drifted=w >= 4)
    assert sched.incidents.incidents()[0].runbook == "https://wiki.example/bot"


def test_incident_resolves_when_every_alert_has(store: Store) -> None:
    """Once traffic recovers and both alerts resolve, the incident resolves by itself."""
    sched = _drift(store)
    rng = np.random.default_rng(4)
    for _ in range(4):
        traffic_window(sched, rng, drifted=False)
    incident = sched.incidents.incidents()[0]
    assert incident.state is IncidentState.RESOLVED and incident.resolved_ns is not None
    assert sched.incidents.timeline(incident.incident_id)[-1].kind is IncidentEventKind.RESOLVED


def test_alerts_beyond_the_correlation_window_open_a_new_incident(store: Store) -> None:
    """With a correlation window shorter than the gap between alerts, each opens its own."""
    sched = scheduler(store, IncidentPolicy(correlation_s=1.0))
    rng = np.random.default_rng(5)
    for _ in range(4):
        traffic_window(sched, rng, drifted=False)
    sched.writer.log_batch("bot", {"top_score": [0.1] * 50}, at=sched.clock.now_ns())
    sched.clock.advance(600)  # type: ignore[attr-defined]
    sched.run_once()
    traffic_window(sched, rng, drifted=True)
    assert len(sched.incidents.incidents()) == 2


def test_a_person_acknowledges_notes_and_resolves(store: Store) -> None:
    """Ack, a note and a resolve by a person update the incident and its timeline."""
    sched = _drift(store)
    incidents = sched.incidents
    incident_id = incidents.incidents()[0].incident_id
    acked = incidents.act(incident_id, IncidentEventKind.ACKNOWLEDGED, "ana", "on it", 1)
    assert acked.state is IncidentState.ACKNOWLEDGED and acked.acknowledged_by == "ana"
    incidents.act(incident_id, IncidentEventKind.NOTE, "ana", "index rebuilt", 2)
    done = incidents.act(incident_id, IncidentEventKind.RESOLVED, "ana", "fixed", 3)
    assert done.state is IncidentState.RESOLVED
    last = incidents.timeline(incident_id)[-3:]
    assert [(e.kind.value, e.actor) for e in last] == [
        ("acknowledged", "ana"),
        ("note", "ana"),
        ("resolved", "ana"),
    ]


def test_resolving_twice_is_refused(store: Store) -> None:
    """A resolved incident cannot be resolved again; the message says it is resolved."""
    sched = _drift(store)
    incident_id = sched.incidents.incidents()[0].incident_id
    sched.incidents.act(incident_id, IncidentEventKind.RESOLVED, "ana", "", 1)
    with pytest.raises(InvalidInput, match="already resolved"):
        sched.incidents.act(incident_id, IncidentEventKind.RESOLVED, "ana", "", 2)


def test_unknown_incident_names_the_list_command(store: Store) -> None:
    """Asking for an unknown incident says how to list the existing ones."""
    with pytest.raises(InvalidInput, match="incidents list"):
        _drift(store, clean=1, drifted=0).incidents.incident("nope")
