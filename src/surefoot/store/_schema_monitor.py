"""Tables of monitoring: checks and alerts (migration ``0006_monitor``), on the one ``MetaData``."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Double, Index, String, Table, Text

from surefoot.store._schema import SHORT, JSONDocument, metadata

__all__ = ["monitor_alerts", "monitor_checks"]

RECORD_ID = String(32)

monitor_checks = Table(
    "monitor_checks",
    metadata,
    Column("check_id", RECORD_ID, primary_key=True),
    Column("monitor", String(255), nullable=False),
    Column("signal", String(255), nullable=False),
    Column("method", SHORT, nullable=False),
    Column("window_start_ns", BigInteger, nullable=False),
    Column("window_end_ns", BigInteger, nullable=False),
    Column("status", SHORT, nullable=False),
    Column("value", Double, nullable=True),
    Column("threshold", Double, nullable=False),
    Column("p_value", Double, nullable=True),
    Column("n", BigInteger, nullable=False),
    Column("message", Text, nullable=False),
    Column("trace_ids", JSONDocument, nullable=False),
    Column("checked_ns", BigInteger, nullable=False),
    # Status and history views read one monitor's latest checks.
    Index(None, "monitor", "window_end_ns"),
)

monitor_alerts = Table(
    "monitor_alerts",
    metadata,
    Column("alert_id", RECORD_ID, primary_key=True),
    Column("monitor", String(255), nullable=False),
    Column("severity", SHORT, nullable=False),
    Column("state", SHORT, nullable=False),
    Column("message", Text, nullable=False),
    Column("opened_ns", BigInteger, nullable=False),
    Column("updated_ns", BigInteger, nullable=False),
    Column("resolved_ns", BigInteger, nullable=True),
    Column("check_ids", JSONDocument, nullable=False),
    Column("trace_ids", JSONDocument, nullable=False),
    # Deduplication looks up the firing alert of a monitor.
    Index(None, "monitor", "state"),
)
