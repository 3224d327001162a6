"""Cached judge grades, links from eval outputs to the review items that graded them, and an
index for reading one configuration's cached results.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24

A frozen snapshot, like every migration: types are spelled out, not imported from the schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_eval_results_config_hash"), "eval_results", ["config_hash"])
    op.create_table(
        "eval_judge_grades",
        sa.Column("judge_hash", sa.String(64), nullable=False),
        sa.Column("case_hash", sa.String(64), nullable=False),
        sa.Column("output_hash", sa.String(64), nullable=False),
        sa.Column("run", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "judge_hash", "case_hash", "output_hash", "run", name=op.f("pk_eval_judge_grades")
        ),
    )
    op.create_table(
        "eval_review_samples",
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("case_hash", sa.String(64), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_eval_review_samples")),
    )
    op.create_index(
        op.f("ix_eval_review_samples_config_hash"), "eval_review_samples", ["config_hash"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_eval_review_samples_config_hash"), table_name="eval_review_samples")
    op.drop_table("eval_review_samples")
    op.drop_table("eval_judge_grades")
    op.drop_index(op.f("ix_eval_results_config_hash"), table_name="eval_results")
