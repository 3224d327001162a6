"""Alerts group into incidents: one piece of work per source, with a runbook and a timeline.

Deciding is pure (:func:`correlate`): an alert that fires joins the source's unresolved incident
when that incident changed within the correlation window, and opens a new one otherwise. An
incident resolves by itself once every one of its alerts has resolved, or when a person resolves
it. Each alert change also owes a delivery to every webhook whose minimum severity it meets.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from surefoot.core import (
    AlertState,
    DeliveryRecord,
    DeliveryState,
    IncidentEventKind,
    IncidentRecord,
    IncidentState,
    MonitoringSettings,
    Severity,
    WebhookSettings,
    new_id,
)
from surefoot.monitor._webhooks import event_payload
from surefoot.store import IncidentChange

if TYPE_CHECKING:
    from collections.abc import Mapping

    from surefoot.core import AlertRecord, Settings
    from surefoot.monitor._monitor_spec import Monitor
    from surefoot.store import IncidentContext

RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}
SYSTEM_ACTOR = "surefoot"


@dataclass(frozen=True)
class IncidentPolicy:
    """How alerts become incidents and where their events are sent.

    Args:
        correlation_s: Alerts on one source this close to the incident's last change join it.
        runbook: Runbook link of monitors that name none.
        webhooks: Webhooks by name.
    """

    correlation_s: float = 1800.0
    runbook: str = MonitoringSettings().runbook
    webhooks: Mapping[str, WebhookSettings] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> IncidentPolicy:
        """The policy of the ``[monitoring]`` and ``[webhooks.<name>]`` tables."""
        return cls(
            settings.monitoring.correlation_window_s,
            settings.monitoring.runbook,
            dict(settings.webhooks),
        )


def highest(a: Severity, b: Severity) -> Severity:
    """The more urgent of two severities.

    Examples:
        >>> highest(Severity.WARNING, Severity.CRITICAL).value
        'critical'
    """
    return a if RANK[a] >= RANK[b] else b


def correlate(
    alert: AlertRecord,
    context: IncidentContext,
    monitor: Monitor,
    policy: IncidentPolicy,
) -> IncidentChange | None:
    """The incident change an alert change makes (with the webhook deliveries it owes), or None.

    Args:
        alert: The alert as just written (firing, updated, or resolved).
        context: The source's latest unresolved incident, the one holding this alert, and the
            states of that incident's alerts.
        monitor: The monitor the alert belongs to.
        policy: Correlation window, default runbook and webhooks.
    """
    now = alert.updated_ns
    line = f"{monitor.name} [{alert.severity.value}]: {alert.message}"
    if alert.state is AlertState.FIRING:
        if context.owner is not None:
            return None  # a firing alert that grew: already on the incident's timeline
        incident, events = _file(alert, context, monitor, policy)
        events.append((IncidentEventKind.ALERT_FIRED, SYSTEM_ACTOR, line))
        return IncidentChange(incident, events, _deliveries("alert.fired", alert, incident, policy))
    owner = context.owner
    if owner is None:
        return None
    events = [(IncidentEventKind.ALERT_RESOLVED, SYSTEM_ACTOR, line)]
    incident = replace(owner, updated_ns=now)
    if all(s is AlertState.RESOLVED for s in context.alert_states.values()):
        incident = replace(incident, state=IncidentState.RESOLVED, resolved_ns=now)
        events.append((IncidentEventKind.RESOLVED, SYSTEM_ACTOR, "every alert has resolved"))
    return IncidentChange(incident, events, _deliveries("alert.resolved", alert, incident, policy))


def _file(
    alert: AlertRecord, context: IncidentContext, monitor: Monitor, policy: IncidentPolicy
) -> tuple[IncidentRecord, list[tuple[IncidentEventKind, str, str]]]:
    open_ = context.open
    window_ns = int(policy.correlation_s * 1e9)
    if open_ is not None and alert.opened_ns - open_.updated_ns <= window_ns:
        joined = replace(
            open_,
            severity=highest(open_.severity, alert.severity),
            updated_ns=alert.updated_ns,
            alert_ids=(*open_.alert_ids, alert.alert_id),
            title=f"{open_.title}, {monitor.name}",
            # A monitor's own runbook is more specific than the default the incident opened with.
            runbook=monitor.runbook
            if monitor.runbook and open_.runbook == policy.runbook
            else open_.runbook,
        )
        return joined, []
    incident = IncidentRecord(
        incident_id=new_id(),
        source=monitor.source,
        title=f"{monitor.source}: {monitor.name}",
        severity=alert.severity,
        state=IncidentState.OPEN,
        runbook=monitor.runbook or policy.runbook,
        opened_ns=alert.opened_ns,
        updated_ns=alert.updated_ns,
        resolved_ns=None,
        acknowledged_by=None,
        alert_ids=(alert.alert_id,),
    )
    opened = f"opened on {monitor.source}; runbook {incident.runbook}"
    return incident, [(IncidentEventKind.OPENED, SYSTEM_ACTOR, opened)]


def _deliveries(
    event: str, alert: AlertRecord, incident: IncidentRecord, policy: IncidentPolicy
) -> list[DeliveryRecord]:
    out = []
    for name, hook in sorted(policy.webhooks.items()):
        if RANK[alert.severity] < RANK[Severity(hook.min_severity)]:
            continue
        out.append(
            DeliveryRecord(
                delivery_id=new_id(),
                webhook=name,
                incident_id=incident.incident_id,
                alert_id=alert.alert_id,
                event=event,
                payload=event_payload(hook.kind, event, alert, incident),
                state=DeliveryState.PENDING,
                attempts=0,
                next_attempt_ns=alert.updated_ns,
                last_error=None,
                created_ns=alert.updated_ns,
                delivered_ns=None,
            )
        )
    return out
