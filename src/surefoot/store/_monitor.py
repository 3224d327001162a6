"""The monitor repository: checks and the alerts they fire and resolve.

A check and the alert change it causes are written in one transaction, serialised per monitor:
on PostgreSQL by a transaction-scoped advisory lock on the monitor's name, on SQLite by the
IMMEDIATE transaction that holds the single write lock. Two evaluators racing on one monitor
therefore never open two firing alerts for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, assert_never

from sqlalchemy import select, text

from surefoot.core._monitor_records import (
    AlertRecord,
    AlertState,
    CheckRecord,
    CheckStatus,
    Severity,
)
from surefoot.store._actions import writing
from surefoot.store._repository import Repository
from surefoot.store._schema_monitor import monitor_alerts, monitor_checks

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy import Connection

    from surefoot.store._engine import Backend

__all__ = ["MonitorStore"]

_PG_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:name))")


def _lock_monitor(backend: Backend, conn: Connection, monitor: str) -> None:
    if backend == "sqlite":
        return  # BEGIN IMMEDIATE already holds SQLite's single write lock.
    if backend == "postgresql":
        conn.execute(_PG_LOCK, {"name": f"surefoot.monitor:{monitor}"})
        return
    assert_never(backend)


def _check_row(check: CheckRecord) -> dict[str, Any]:
    row = {f: getattr(check, f) for f in CheckRecord.__slots__}
    row["status"] = check.status.value
    row["trace_ids"] = list(check.trace_ids)
    return row


def _row_to_check(row: Any) -> CheckRecord:
    values = dict(row._mapping)
    values["status"] = CheckStatus(values["status"])
    values["trace_ids"] = tuple(values["trace_ids"])
    return CheckRecord(**values)


def _alert_row(alert: AlertRecord) -> dict[str, Any]:
    row = {f: getattr(alert, f) for f in AlertRecord.__slots__}
    row.update(
        severity=alert.severity.value,
        state=alert.state.value,
        check_ids=list(alert.check_ids),
        trace_ids=list(alert.trace_ids),
    )
    return row


def _row_to_alert(row: Any) -> AlertRecord:
    values = dict(row._mapping)
    values["severity"] = Severity(values["severity"])
    values["state"] = AlertState(values["state"])
    values["check_ids"] = tuple(values["check_ids"])
    values["trace_ids"] = tuple(values["trace_ids"])
    return AlertRecord(**values)


class MonitorStore(Repository):
    """Checks and alerts in the store.

    Args:
        engine: the store's engine (``Store.engine``), with the schema current.
    """

    def record_check(
        self,
        check: CheckRecord,
        decide: Callable[[AlertRecord | None, list[CheckRecord]], AlertRecord | None],
        history: int = 10,
        follow_up: Callable[[Connection, AlertRecord], None] | None = None,
    ) -> AlertRecord | None:
        """Store a check and the alert change ``decide`` makes of it, in one transaction.

        Args:
            check: the new check.
            decide: given the monitor's firing alert (or None) and its latest checks, newest
                first and including ``check``, returns the alert to write, or None for no change.
            history: how many latest checks ``decide`` sees.
            follow_up: runs in the same transaction after an alert change is written; incidents
                and webhook deliveries are filed through it (:meth:`IncidentStore.follow_up`).

        Returns:
            The alert written, or None.
        """
        with self._errors("recording a monitor check"), writing(self.engine) as conn:
            _lock_monitor(self._backend, conn, check.monitor)
            conn.execute(monitor_checks.insert().values(_check_row(check)))
            firing = self._firing(conn, check.monitor)
            recent = self._recent(conn, check.monitor, history)
            alert = decide(firing, recent)
            if alert is not None:
                self._save(
                    conn, alert, exists=firing is not None and firing.alert_id == alert.alert_id
                )
                if follow_up is not None:
                    follow_up(conn, alert)
            return alert

    @staticmethod
    def _firing(conn: Connection, monitor: str) -> AlertRecord | None:
        stmt = select(monitor_alerts).where(
            monitor_alerts.c.monitor == monitor, monitor_alerts.c.state == AlertState.FIRING.value
        )
        row = conn.execute(stmt).first()
        return None if row is None else _row_to_alert(row)

    @staticmethod
    def _recent(conn: Connection, monitor: str, limit: int) -> list[CheckRecord]:
        stmt = (
            select(monitor_checks)
            .where(monitor_checks.c.monitor == monitor)
            .order_by(monitor_checks.c.window_end_ns.desc(), monitor_checks.c.checked_ns.desc())
            .limit(limit)
        )
        return [_row_to_check(r) for r in conn.execute(stmt)]

    @staticmethod
    def _save(conn: Connection, alert: AlertRecord, *, exists: bool) -> None:
        row = _alert_row(alert)
        if exists:
            key = monitor_alerts.c.alert_id == alert.alert_id
            conn.execute(monitor_alerts.update().where(key).values(row))
        else:
            conn.execute(monitor_alerts.insert().values(row))

    def checks(self, monitor: str | None = None, limit: int = 100) -> list[CheckRecord]:
        """Latest checks, newest window first, optionally of one monitor."""
        stmt = select(monitor_checks).order_by(
            monitor_checks.c.window_end_ns.desc(), monitor_checks.c.checked_ns.desc()
        )
        if monitor is not None:
            stmt = stmt.where(monitor_checks.c.monitor == monitor)
        with self._errors("reading monitor checks"), self.engine.connect() as conn:
            return [_row_to_check(r) for r in conn.execute(stmt.limit(limit))]

    def alerts(
        self,
        state: AlertState | None = None,
        limit: int = 100,
        *,
        alert_ids: Sequence[str] | None = None,
    ) -> list[AlertRecord]:
        """Alerts, most recently updated first, optionally in one state or among some ids."""
        stmt = select(monitor_alerts).order_by(monitor_alerts.c.updated_ns.desc())
        if state is not None:
            stmt = stmt.where(monitor_alerts.c.state == state.value)
        if alert_ids is not None:
            stmt = stmt.where(monitor_alerts.c.alert_id.in_(list(alert_ids)))
        with self._errors("reading monitor alerts"), self.engine.connect() as conn:
            return [_row_to_alert(r) for r in conn.execute(stmt.limit(limit))]
