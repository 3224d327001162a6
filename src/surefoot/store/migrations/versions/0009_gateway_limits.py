"""Per-key request counters of the gateway, shared by every replica.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24

A frozen snapshot, like every migration: types are spelled out, not imported from the schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_windows",
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("window_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hits", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", "window_index", name=op.f("pk_rate_limit_windows")),
    )
    op.create_index(
        op.f("ix_rate_limit_windows_window_index"), "rate_limit_windows", ["window_index"]
    )


def downgrade() -> None:
    op.drop_table("rate_limit_windows")
