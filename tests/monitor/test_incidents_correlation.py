"""Correlation is pure: properties of how alerts fold into incidents."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from surefoot.core import AlertRecord, AlertState, IncidentRecord, Severity, new_id
from surefoot.monitor import IncidentPolicy, Monitor, correlate
from surefoot.monitor._incidents import RANK
from surefoot.store import IncidentContext

MONITOR = Monitor("m", "x", source="bot")
POLICY = IncidentPolicy(correlation_s=60.0)
severities = st.sampled_from(list(Severity))


def _alert(severity: Severity, at_ns: int) -> AlertRecord:
    return AlertRecord(
        new_id(), MONITOR.name, severity, AlertState.FIRING, "breach", at_ns, at_ns, None, (), ()
    )


def _fold(alerts: list[AlertRecord]) -> list[IncidentRecord]:
    """Apply correlate to each alert in turn, keeping the unresolved incident like the store."""
    incidents: list[IncidentRecord] = []
    for alert in alerts:
        context = IncidentContext(incidents[-1] if incidents else None, None, {})
        change = correlate(alert, context, MONITOR, POLICY)
        assert change is not None
        if incidents and change.incident.incident_id == incidents[-1].incident_id:
            incidents[-1] = change.incident
        else:
            incidents.append(change.incident)
    return incidents


@given(st.lists(st.tuples(severities, st.integers(0, 60 * 10**9)), min_size=1, max_size=12))
def test_alerts_within_the_window_share_one_incident_at_max_severity(
    items: list[tuple[Severity, int]],
) -> None:
    """Alerts each within the correlation window of the last share one incident at top severity."""
    alerts, at = [], 0
    for severity, gap in items:
        at += gap
        alerts.append(_alert(severity, at))
    incidents = _fold(alerts)
    assert len(incidents) == 1
    assert incidents[0].alert_ids == tuple(a.alert_id for a in alerts)
    assert incidents[0].severity == max((s for s, _ in items), key=RANK.__getitem__)


@given(st.lists(severities, min_size=1, max_size=8))
def test_alerts_further_apart_than_the_window_each_open_one(items: list[Severity]) -> None:
    """Alerts more than the correlation window apart each open their own incident."""
    alerts = [_alert(s, i * 61 * 10**9) for i, s in enumerate(items)]
    assert len(_fold(alerts)) == len(items)
