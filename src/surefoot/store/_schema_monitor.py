"""Tables of monitoring, on the one ``MetaData``.

Checks and alerts arrived with migration ``0006``; stored profiles, watermarks, incidents with
their timelines and the webhook outbox with ``0007``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Double, Index, Integer, String, Table, Text

from surefoot.store._schema import SHORT, JSONDocument, metadata

__all__ = [
    "monitor_alerts",
    "monitor_checks",
    "monitor_deliveries",
    "monitor_incident_events",
    "monitor_incidents",
    "monitor_profiles",
    "monitor_watermarks",
]

RECORD_ID = String(32)
NAME = String(255)

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

monitor_profiles = Table(
    "monitor_profiles",
    metadata,
    Column("source", NAME, primary_key=True),
    Column("field", NAME, primary_key=True),
    Column("window_start_ns", BigInteger, primary_key=True),
    Column("window_ns", BigInteger, nullable=False),
    Column("state", JSONDocument, nullable=False),
    Column("n", BigInteger, nullable=False),
    Column("trace_ids", JSONDocument, nullable=False),
    Column("updated_ns", BigInteger, nullable=False),
)

# How far each source has been profiled from traces, so no span is profiled twice.
monitor_watermarks = Table(
    "monitor_watermarks",
    metadata,
    Column("source", NAME, primary_key=True),
    Column("watermark_ns", BigInteger, nullable=False),
    Column("updated_ns", BigInteger, nullable=False),
)

monitor_incidents = Table(
    "monitor_incidents",
    metadata,
    Column("incident_id", RECORD_ID, primary_key=True),
    Column("source", NAME, nullable=False),
    Column("title", Text, nullable=False),
    Column("severity", SHORT, nullable=False),
    Column("state", SHORT, nullable=False),
    Column("runbook", Text, nullable=False),
    Column("opened_ns", BigInteger, nullable=False),
    Column("updated_ns", BigInteger, nullable=False),
    Column("resolved_ns", BigInteger, nullable=True),
    Column("acknowledged_by", NAME, nullable=True),
    Column("alert_ids", JSONDocument, nullable=False),
    # Correlation looks up the open incident of a source.
    Index(None, "source", "state"),
)

monitor_incident_events = Table(
    "monitor_incident_events",
    metadata,
    Column("incident_id", RECORD_ID, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("kind", SHORT, nullable=False),
    Column("at_ns", BigInteger, nullable=False),
    Column("actor", NAME, nullable=False),
    Column("message", Text, nullable=False),
)

monitor_deliveries = Table(
    "monitor_deliveries",
    metadata,
    Column("delivery_id", RECORD_ID, primary_key=True),
    Column("webhook", NAME, nullable=False),
    Column("incident_id", RECORD_ID, nullable=True),
    Column("alert_id", RECORD_ID, nullable=False),
    Column("event", SHORT, nullable=False),
    Column("payload", JSONDocument, nullable=False),
    Column("state", SHORT, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_ns", BigInteger, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_ns", BigInteger, nullable=False),
    Column("delivered_ns", BigInteger, nullable=True),
    # The sender picks the due pending deliveries.
    Index(None, "state", "next_attempt_ns"),
)
