"""Records of monitoring: each evaluation of a monitor (a check) and the alerts checks raise.

``monitor`` writes them and anything to its right (server, CLI, dashboards) reads them through the
store; every alert carries the windows and example trace ids that caused it.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "AlertRecord",
    "AlertState",
    "CheckRecord",
    "CheckStatus",
    "DeliveryRecord",
    "DeliveryState",
    "IncidentEvent",
    "IncidentEventKind",
    "IncidentRecord",
    "IncidentState",
    "ProfileWindowRecord",
    "Severity",
    "plain_dict",
]


class Severity(enum.StrEnum):
    """How urgently a human should look."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class CheckStatus(enum.StrEnum):
    """The outcome of one evaluation of a monitor."""

    OK = "ok"
    BREACH = "breach"
    INSUFFICIENT = "insufficient"


class AlertState(enum.StrEnum):
    """An alert fires after enough breaches and resolves after enough passes."""

    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """One evaluation of a monitor over one window.

    ``value`` is the effect size (drift) or the window statistic (threshold monitors);
    ``p_value`` is NaN-free: None when the method has none or the sample was too small.
    """

    check_id: str
    monitor: str
    signal: str
    method: str
    window_start_ns: int
    window_end_ns: int
    status: CheckStatus
    value: float | None
    threshold: float
    p_value: float | None
    n: int
    message: str
    trace_ids: tuple[str, ...]
    checked_ns: int


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert: at most one firing per monitor, linked to the checks and traces behind it."""

    alert_id: str
    monitor: str
    severity: Severity
    state: AlertState
    message: str
    opened_ns: int
    updated_ns: int
    resolved_ns: int | None
    check_ids: tuple[str, ...]
    trace_ids: tuple[str, ...]


class IncidentState(enum.StrEnum):
    """An incident is open until a person resolves it or every one of its alerts has resolved."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class IncidentEventKind(enum.StrEnum):
    """What happened on an incident's timeline."""

    OPENED = "opened"
    ALERT_FIRED = "alert_fired"
    ALERT_RESOLVED = "alert_resolved"
    WEBHOOK_DELIVERED = "webhook_delivered"
    WEBHOOK_FAILED = "webhook_failed"
    ACKNOWLEDGED = "acknowledged"
    NOTE = "note"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """Alerts on one source that fired close together, handled as one piece of work.

    ``severity`` is the highest severity of its alerts; ``runbook`` is a link a responder opens.
    """

    incident_id: str
    source: str
    title: str
    severity: Severity
    state: IncidentState
    runbook: str
    opened_ns: int
    updated_ns: int
    resolved_ns: int | None
    acknowledged_by: str | None
    alert_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IncidentEvent:
    """One entry of an incident's timeline; ``actor`` is a person or ``"surefoot"``."""

    incident_id: str
    seq: int
    kind: IncidentEventKind
    at_ns: int
    actor: str
    message: str


class DeliveryState(enum.StrEnum):
    """A webhook delivery waits in the outbox until delivered or out of attempts."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One alert event owed to one webhook, kept in the outbox until it is delivered.

    ``payload`` is the exact JSON body sent; ``next_attempt_ns`` is when it may be tried again.
    """

    delivery_id: str
    webhook: str
    incident_id: str | None
    alert_id: str
    event: str
    payload: dict[str, object]
    state: DeliveryState
    attempts: int
    next_attempt_ns: int
    last_error: str | None
    created_ns: int
    delivered_ns: int | None


@dataclass(frozen=True, slots=True)
class ProfileWindowRecord:
    """A stored, mergeable profile of one field of one source over one window.

    ``state`` is the profile's JSON form (``FieldProfile.to_dict``); ``trace_ids`` are examples of
    the records behind it, so checks built on stored profiles still link to evidence.
    """

    source: str
    field: str
    window_start_ns: int
    window_ns: int
    state: dict[str, object]
    n: int
    trace_ids: tuple[str, ...]
    updated_ns: int


def plain_dict(record: Any) -> dict[str, Any]:
    """A monitoring record as a JSON-ready dict: its enum fields become their values."""
    return {k: v.value if hasattr(v, "value") else v for k, v in asdict(record).items()}
