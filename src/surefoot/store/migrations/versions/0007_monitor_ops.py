"""Monitor operations: stored profiles, watermarks, incidents, timelines and the webhook outbox.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

A frozen snapshot, like every migration: types are spelled out, not imported from the schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    op.create_table(
        "monitor_profiles",
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("field", sa.String(255), nullable=False),
        sa.Column("window_start_ns", sa.BigInteger(), nullable=False),
        sa.Column("window_ns", sa.BigInteger(), nullable=False),
        sa.Column("state", _json(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("trace_ids", _json(), nullable=False),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "source", "field", "window_start_ns", name=op.f("pk_monitor_profiles")
        ),
    )
    op.create_table(
        "monitor_watermarks",
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("watermark_ns", sa.BigInteger(), nullable=False),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_monitor_watermarks")),
    )
    op.create_table(
        "monitor_incidents",
        sa.Column("incident_id", sa.String(32), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("runbook", sa.Text(), nullable=False),
        sa.Column("opened_ns", sa.BigInteger(), nullable=False),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.Column("resolved_ns", sa.BigInteger(), nullable=True),
        sa.Column("acknowledged_by", sa.String(255), nullable=True),
        sa.Column("alert_ids", _json(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_monitor_incidents")),
    )
    op.create_index(
        op.f("ix_monitor_incidents_source_state"), "monitor_incidents", ["source", "state"]
    )
    op.create_table(
        "monitor_incident_events",
        sa.Column("incident_id", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at_ns", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "seq", name=op.f("pk_monitor_incident_events")),
    )
    op.create_table(
        "monitor_deliveries",
        sa.Column("delivery_id", sa.String(32), nullable=False),
        sa.Column("webhook", sa.String(255), nullable=False),
        sa.Column("incident_id", sa.String(32), nullable=True),
        sa.Column("alert_id", sa.String(32), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_ns", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.Column("delivered_ns", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_monitor_deliveries")),
    )
    op.create_index(
        op.f("ix_monitor_deliveries_state_next_attempt_ns"),
        "monitor_deliveries",
        ["state", "next_attempt_ns"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_monitor_deliveries_state_next_attempt_ns"), "monitor_deliveries")
    op.drop_table("monitor_deliveries")
    op.drop_table("monitor_incident_events")
    op.drop_index(op.f("ix_monitor_incidents_source_state"), table_name="monitor_incidents")
    op.drop_table("monitor_incidents")
    op.drop_table("monitor_watermarks")
    op.drop_table("monitor_profiles")
