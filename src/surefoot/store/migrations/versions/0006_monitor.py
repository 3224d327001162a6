"""Monitor checks and alerts.

Revision ID: 0006
Revises: 0005
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

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    op.create_table(
        "monitor_checks",
        sa.Column("check_id", sa.String(32), nullable=False),
        sa.Column("monitor", sa.String(255), nullable=False),
        sa.Column("signal", sa.String(255), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("window_start_ns", sa.BigInteger(), nullable=False),
        sa.Column("window_end_ns", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("p_value", sa.Double(), nullable=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("trace_ids", _json(), nullable=False),
        sa.Column("checked_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("check_id", name=op.f("pk_monitor_checks")),
    )
    op.create_index(
        op.f("ix_monitor_checks_monitor_window_end_ns"),
        "monitor_checks",
        ["monitor", "window_end_ns"],
    )
    op.create_table(
        "monitor_alerts",
        sa.Column("alert_id", sa.String(32), nullable=False),
        sa.Column("monitor", sa.String(255), nullable=False),
        sa.Column("severity", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("opened_ns", sa.BigInteger(), nullable=False),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.Column("resolved_ns", sa.BigInteger(), nullable=True),
        sa.Column("check_ids", _json(), nullable=False),
        sa.Column("trace_ids", _json(), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_monitor_alerts")),
    )
    op.create_index(op.f("ix_monitor_alerts_monitor_state"), "monitor_alerts", ["monitor", "state"])


def downgrade() -> None:
    op.drop_index(op.f("ix_monitor_alerts_monitor_state"), table_name="monitor_alerts")
    op.drop_table("monitor_alerts")
    op.drop_index(op.f("ix_monitor_checks_monitor_window_end_ns"), table_name="monitor_checks")
    op.drop_table("monitor_checks")
