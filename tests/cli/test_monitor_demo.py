"""Act 4 of the demo: two alerts become one incident with a runbook, timeline and webhook."""

from __future__ import annotations

from rich.console import Console

from surefoot.cli._demo_monitor import RUNBOOK, run_monitor_act
from surefoot.core import IncidentEventKind, IncidentState, Settings, Severity
from surefoot.store import IncidentStore, Store


def test_the_act_groups_both_alerts_into_one_acknowledged_incident() -> None:
    """The act opens one critical incident holding both alerts, delivered and acknowledged."""
    console = Console(record=True, width=160)
    incident = run_monitor_act(console)
    assert incident is not None and len(incident.alert_ids) == 2
    assert incident.severity is Severity.CRITICAL and incident.runbook == RUNBOOK
    assert incident.state is IncidentState.ACKNOWLEDGED
    with Store.open(Settings.load().store) as store:
        kinds = [e.kind for e in IncidentStore(store.engine).timeline(incident.incident_id)]
    assert kinds.count(IncidentEventKind.ALERT_FIRED) == 2
    assert kinds.count(IncidentEventKind.WEBHOOK_DELIVERED) == 2
    output = console.export_text()
    assert "question-length-drift firing, retrieval-collapse firing" in output
    assert '"blocks"' in output


def test_a_second_run_on_the_same_store_opens_a_new_incident() -> None:
    """Running the act twice on one store tells the same story again with a new incident."""
    console = Console(record=True, width=160)
    first = run_monitor_act(console)
    second = run_monitor_act(console)
    assert first is not None and second is not None
    assert second.incident_id != first.incident_id and len(second.alert_ids) == 2
