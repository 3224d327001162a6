"""Every SQLite connection runs in WAL mode with the documented pragmas."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from surefoot.store import create_engine


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [
        ("journal_mode", "wal"),
        ("synchronous", 1),
        ("foreign_keys", 1),
        ("busy_timeout", 2500),
        ("wal_autocheckpoint", 8000),
        ("temp_store", 2),
    ],
)
def test_connection_pragmas(tmp_path: Path, pragma: str, expected: object) -> None:
    """WAL, synchronous=NORMAL, foreign keys on, a busy timeout from connect_timeout_s, a
    checkpoint every 8,000 pages and temporary structures in memory."""
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}", connect_timeout_s=2.5)
    with engine.connect() as conn:
        assert conn.execute(text(f"PRAGMA {pragma}")).scalar_one() == expected
    engine.dispose()
