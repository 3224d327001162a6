"""Incidents, their timelines, and the outbox of webhook deliveries.

An alert change, the incident change it causes and the deliveries it owes are written in the
transaction that stores the check (see :meth:`IncidentStore.follow_up`), so a crash can lose none
of them without losing all. Every incident write is serialised per source, like checks per monitor.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from surefoot.core._monitor_records import (
    AlertRecord,
    AlertState,
    DeliveryRecord,
    DeliveryState,
    IncidentEvent,
    IncidentEventKind,
    IncidentRecord,
    IncidentState,
    Severity,
)
from surefoot.core.errors import InvalidInput
from surefoot.store._actions import writing
from surefoot.store._profiles import lock_source
from surefoot.store._repository import Repository
from surefoot.store._schema_monitor import (
    monitor_alerts,
    monitor_deliveries,
    monitor_incident_events,
    monitor_incidents,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Connection

__all__ = ["IncidentChange", "IncidentContext", "IncidentStore"]


@dataclass(frozen=True)
class IncidentContext:
    """What the store knows when an alert changes: the incidents it may belong to."""

    open: IncidentRecord | None
    owner: IncidentRecord | None
    alert_states: dict[str, AlertState]


@dataclass(frozen=True)
class IncidentChange:
    """An incident to write, its new timeline entries (kind, actor, message), and deliveries."""

    incident: IncidentRecord
    events: list[tuple[IncidentEventKind, str, str]] = field(default_factory=list)
    deliveries: list[DeliveryRecord] = field(default_factory=list)


def _incident_row(incident: IncidentRecord) -> dict[str, Any]:
    row = {f: getattr(incident, f) for f in IncidentRecord.__slots__}
    row.update(
        severity=incident.severity.value,
        state=incident.state.value,
        alert_ids=list(incident.alert_ids),
    )
    return row


def _row_to_incident(row: Any) -> IncidentRecord:
    values = dict(row._mapping)
    values.update(
        severity=Severity(values["severity"]),
        state=IncidentState(values["state"]),
        alert_ids=tuple(values["alert_ids"]),
    )
    return IncidentRecord(**values)


def _row_to_event(row: Any) -> IncidentEvent:
    values = dict(row._mapping)
    values["kind"] = IncidentEventKind(values["kind"])
    return IncidentEvent(**values)


def _row_to_delivery(row: Any) -> DeliveryRecord:
    values = dict(row._mapping)
    values["state"] = DeliveryState(values["state"])
    return DeliveryRecord(**values)


def _delivery_row(delivery: DeliveryRecord) -> dict[str, Any]:
    row = {f: getattr(delivery, f) for f in DeliveryRecord.__slots__}
    row["state"] = delivery.state.value
    return row


def _unresolved(conn: Connection, source: str) -> list[IncidentRecord]:
    stmt = (
        select(monitor_incidents)
        .where(
            monitor_incidents.c.source == source,
            monitor_incidents.c.state != IncidentState.RESOLVED.value,
        )
        .order_by(monitor_incidents.c.opened_ns.desc())
    )
    return [_row_to_incident(r) for r in conn.execute(stmt)]


def _append_events(
    conn: Connection, incident_id: str, at_ns: int, events: list[tuple[IncidentEventKind, str, str]]
) -> None:
    last = conn.execute(
        select(func.max(monitor_incident_events.c.seq)).where(
            monitor_incident_events.c.incident_id == incident_id
        )
    ).scalar()
    seq = 0 if last is None else int(last)
    for kind, actor, message in events:
        seq += 1
        conn.execute(
            monitor_incident_events.insert().values(
                incident_id=incident_id, seq=seq, kind=kind.value, at_ns=at_ns, actor=actor,
                message=message,
            )
        )  # fmt: skip


def _save_incident(conn: Connection, incident: IncidentRecord, *, exists: bool) -> None:
    if exists:
        key = monitor_incidents.c.incident_id == incident.incident_id
        conn.execute(monitor_incidents.update().where(key).values(_incident_row(incident)))
    else:
        conn.execute(monitor_incidents.insert().values(_incident_row(incident)))


class IncidentStore(Repository):
    """Incidents with timelines, and the webhook outbox.

    Args:
        engine: the store's engine (``Store.engine``), with the schema current.
    """

    def follow_up(
        self, source: str, decide: Callable[[AlertRecord, IncidentContext], IncidentChange | None]
    ) -> Callable[[Connection, AlertRecord], None]:
        """A hook for :meth:`MonitorStore.record_check` that files the alert change it wrote.

        Args:
            source: the source of the alert's monitor; incidents group alerts per source.
            decide: the incident change (and deliveries) an alert change makes, or None.
        """

        def apply(conn: Connection, alert: AlertRecord) -> None:
            lock_source(self._backend, conn, f"surefoot.incident:{source}")
            candidates = _unresolved(conn, source)
            owner = next((i for i in candidates if alert.alert_id in i.alert_ids), None)
            states: dict[str, AlertState] = {}
            if owner is not None:
                stmt = select(monitor_alerts.c.alert_id, monitor_alerts.c.state).where(
                    monitor_alerts.c.alert_id.in_(owner.alert_ids)
                )
                states = {a: AlertState(s) for a, s in conn.execute(stmt)}
            context = IncidentContext(candidates[0] if candidates else None, owner, states)
            change = decide(alert, context)
            if change is None:
                return
            known = {i.incident_id for i in candidates}
            _save_incident(conn, change.incident, exists=change.incident.incident_id in known)
            _append_events(conn, change.incident.incident_id, alert.updated_ns, change.events)
            for delivery in change.deliveries:
                conn.execute(monitor_deliveries.insert().values(_delivery_row(delivery)))

        return apply

    def incidents(
        self, state: IncidentState | None = None, limit: int = 100
    ) -> list[IncidentRecord]:
        """Incidents, most recently opened first, optionally in one state."""
        stmt = select(monitor_incidents).order_by(monitor_incidents.c.opened_ns.desc())
        if state is not None:
            stmt = stmt.where(monitor_incidents.c.state == state.value)
        with self._errors("reading incidents"), self.engine.connect() as conn:
            return [_row_to_incident(r) for r in conn.execute(stmt.limit(limit))]

    def incident(self, incident_id: str) -> IncidentRecord:
        """One incident.

        Raises:
            InvalidInput: No incident has this id.
        """
        stmt = select(monitor_incidents).where(monitor_incidents.c.incident_id == incident_id)
        with self._errors("reading an incident"), self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            raise InvalidInput(
                f"no incident {incident_id!r}; list them with surefoot incidents list"
            )
        return _row_to_incident(row)

    def timeline(self, incident_id: str) -> list[IncidentEvent]:
        """An incident's timeline, oldest first."""
        stmt = (
            select(monitor_incident_events)
            .where(monitor_incident_events.c.incident_id == incident_id)
            .order_by(monitor_incident_events.c.seq)
        )
        with self._errors("reading an incident timeline"), self.engine.connect() as conn:
            return [_row_to_event(r) for r in conn.execute(stmt)]

    def act(
        self, incident_id: str, kind: IncidentEventKind, actor: str, message: str, now_ns: int
    ) -> IncidentRecord:
        """A person acknowledges, resolves or annotates an incident; the timeline records it.

        Raises:
            InvalidInput: No such incident, or it is already resolved (for ack and resolve).
        """
        incident = self.incident(incident_id)
        with self._errors("updating an incident"), writing(self.engine) as conn:
            lock_source(self._backend, conn, f"surefoot.incident:{incident.source}")
            row = conn.execute(
                select(monitor_incidents).where(monitor_incidents.c.incident_id == incident_id)
            ).one()
            current = _row_to_incident(row)
            updated = _acted(current, kind, actor, now_ns)
            _save_incident(conn, updated, exists=True)
            _append_events(conn, incident_id, now_ns, [(kind, actor, message)])
            return updated

    def deliveries(self, incident_id: str | None = None, limit: int = 100) -> list[DeliveryRecord]:
        """Webhook deliveries, newest first, optionally of one incident."""
        stmt = select(monitor_deliveries).order_by(monitor_deliveries.c.created_ns.desc())
        if incident_id is not None:
            stmt = stmt.where(monitor_deliveries.c.incident_id == incident_id)
        with self._errors("reading webhook deliveries"), self.engine.connect() as conn:
            return [_row_to_delivery(r) for r in conn.execute(stmt.limit(limit))]

    def claim_due(self, now_ns: int, lease_ns: int, limit: int = 50) -> list[DeliveryRecord]:
        """Pending deliveries due now, each leased for ``lease_ns`` so no other sender takes it."""
        stmt = (
            select(monitor_deliveries)
            .where(
                monitor_deliveries.c.state == DeliveryState.PENDING.value,
                monitor_deliveries.c.next_attempt_ns <= now_ns,
            )
            .order_by(monitor_deliveries.c.next_attempt_ns)
            .limit(limit)
        )
        with self._errors("claiming webhook deliveries"), writing(self.engine) as conn:
            lock_source(self._backend, conn, "surefoot.outbox")
            due = [_row_to_delivery(r) for r in conn.execute(stmt)]
            for d in due:
                key = monitor_deliveries.c.delivery_id == d.delivery_id
                conn.execute(
                    monitor_deliveries.update().where(key).values(next_attempt_ns=now_ns + lease_ns)
                )
            return due

    def settle(self, delivery: DeliveryRecord, now_ns: int) -> None:
        """Store a delivery's outcome and, when it is final, note it on the incident's timeline."""
        with self._errors("settling a webhook delivery"), writing(self.engine) as conn:
            key = monitor_deliveries.c.delivery_id == delivery.delivery_id
            conn.execute(monitor_deliveries.update().where(key).values(_delivery_row(delivery)))
            if delivery.incident_id is None or delivery.state is DeliveryState.PENDING:
                return
            delivered = delivery.state is DeliveryState.DELIVERED
            kind = (
                IncidentEventKind.WEBHOOK_DELIVERED
                if delivered
                else IncidentEventKind.WEBHOOK_FAILED
            )
            detail = "" if delivered else f": {delivery.last_error}"
            message = (
                f"{delivery.event} to {delivery.webhook} after {delivery.attempts} attempt(s)"
                f"{detail}"
            )
            _append_events(conn, delivery.incident_id, now_ns, [(kind, "surefoot", message)])


def _acted(
    incident: IncidentRecord, kind: IncidentEventKind, actor: str, now_ns: int
) -> IncidentRecord:
    if kind is IncidentEventKind.NOTE:
        return replace(incident, updated_ns=now_ns)
    if incident.state is IncidentState.RESOLVED:
        raise InvalidInput(f"incident {incident.incident_id} is already resolved")
    if kind is IncidentEventKind.ACKNOWLEDGED:
        return replace(
            incident, state=IncidentState.ACKNOWLEDGED, acknowledged_by=actor, updated_ns=now_ns
        )
    if kind is IncidentEventKind.RESOLVED:
        return replace(
            incident, state=IncidentState.RESOLVED, resolved_ns=now_ns, updated_ns=now_ns
        )
    raise InvalidInput(f"{kind.value} is not something a person does to an incident")
