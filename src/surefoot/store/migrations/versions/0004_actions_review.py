"""Actions, their audit log, review items, feedback and eval cases.

Revision ID: 0004
Revises: 0003
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

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("params", _json(), nullable=True),
        sa.Column("result", _json(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("lease_expires_ns", sa.BigInteger(), nullable=True),
        sa.Column("review_id", sa.String(32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_actions")),
    )
    op.create_index(
        op.f("ix_actions_status_lease_expires_ns"), "actions", ["status", "lease_expires_ns"]
    )
    op.create_table(
        "action_audit",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", _json(), nullable=True),
        sa.Column("at_ns", sa.BigInteger(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_action_audit")),
    )
    op.create_index(op.f("ix_action_audit_key"), "action_audit", ["key"])
    op.create_table(
        "review_items",
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", _json(), nullable=True),
        sa.Column("trace_id", sa.String(32), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.Column("deadline_ns", sa.BigInteger(), nullable=True),
        sa.Column("on_expiry", sa.String(32), nullable=False),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("claim_expires_ns", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_ns", sa.BigInteger(), nullable=True),
        sa.Column("correction", _json(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_review_items")),
    )
    op.create_index(
        op.f("ix_review_items_status_priority_created_ns"),
        "review_items",
        ["status", "priority", "created_ns"],
    )
    op.create_index(op.f("ix_review_items_trace_id"), "review_items", ["trace_id"])
    op.create_table(
        "feedback",
        sa.Column("feedback_id", sa.String(32), nullable=False),
        sa.Column("trace_id", sa.String(32), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", _json(), nullable=True),
        sa.Column("at_ns", sa.BigInteger(), nullable=False),
        sa.Column("author", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("feedback_id", name=op.f("pk_feedback")),
    )
    op.create_index(op.f("ix_feedback_trace_id_at_ns"), "feedback", ["trace_id", "at_ns"])
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("input", _json(), nullable=True),
        sa.Column("expected", _json(), nullable=True),
        sa.Column("tags", _json(), nullable=True),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("trace_id", sa.String(32), nullable=True),
        sa.Column("source_item", sa.String(32), nullable=True),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_cases_fingerprint")),
    )
    op.create_index(op.f("ix_cases_status_created_ns"), "cases", ["status", "created_ns"])


def downgrade() -> None:
    for table in ("cases", "feedback", "review_items", "action_audit", "actions"):
        op.drop_table(table)
