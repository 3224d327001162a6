"""Eval datasets, their cases, the result cache and runs.

Revision ID: 0005
Revises: 0004
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

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    op.create_table(
        "eval_datasets",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", "version", name=op.f("pk_eval_datasets")),
    )
    op.create_index(
        op.f("ix_eval_datasets_name_content_hash"), "eval_datasets", ["name", "content_hash"]
    )
    op.create_table(
        "eval_cases",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("case_hash", sa.String(64), nullable=False),
        sa.Column("input", _json(), nullable=True),
        sa.Column("expected", _json(), nullable=True),
        sa.Column("tags", _json(), nullable=True),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("split", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("name", "version", "position", name=op.f("pk_eval_cases")),
    )
    op.create_table(
        "eval_results",
        sa.Column("case_hash", sa.String(64), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("sample", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("output", _json(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("latency_s", sa.Double(), nullable=False),
        sa.Column("cost_usd", sa.Double(), nullable=True),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("case_hash", "config_hash", "sample", name=op.f("pk_eval_results")),
    )
    op.create_table(
        "eval_runs",
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("suite", sa.String(255), nullable=False),
        sa.Column("dataset", sa.String(255), nullable=False),
        sa.Column("dataset_version", sa.Integer(), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("config", _json(), nullable=True),
        sa.Column("scores", _json(), nullable=True),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_eval_runs")),
    )
    op.create_index(op.f("ix_eval_runs_suite_created_ns"), "eval_runs", ["suite", "created_ns"])


def downgrade() -> None:
    for table in ("eval_runs", "eval_results", "eval_cases", "eval_datasets"):
        op.drop_table(table)
