"""Spans gain ``input_ref``: a span whose input is another span's of the same trace names it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25

A guard span and the model call under it record the same messages. Written in one batch, the
second names the first instead of storing the prompt again: half the bytes of a guarded request
with a long prompt. Existing rows keep their own input (the column is NULL for them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("spans", sa.Column("input_ref", sa.String(16), nullable=True))


def downgrade() -> None:
    # The inputs stored once are copied back to every span that named them first.
    op.execute(
        "UPDATE spans SET input = (SELECT shared.input FROM spans AS shared"
        " WHERE shared.trace_id = spans.trace_id AND shared.span_id = spans.input_ref)"
        " WHERE input_ref IS NOT NULL"
    )
    with op.batch_alter_table("spans") as batch:
        batch.drop_column("input_ref")
