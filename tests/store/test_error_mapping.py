"""Driver and SQLAlchemy errors reach callers as surefoot store errors, with a hint."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from surefoot.core import MigrationRequired, SpanRecord, StoreError, StoreUnavailable
from surefoot.store import Store, create_engine, map_store_errors


def test_missing_schema_raises_migration_required(tmp_path: Path) -> None:
    """Writing to a database that was never migrated says to run the upgrade."""
    store = Store(create_engine(f"sqlite:///{tmp_path / 'x.db'}"))
    with pytest.raises(MigrationRequired, match="surefoot db upgrade"):
        store.write_spans([SpanRecord("1" * 32, "1" * 16, "s")])
    store.close()


def test_unopenable_sqlite_file_raises_store_unavailable(tmp_path: Path) -> None:
    """A SQLite path that is a folder cannot be opened: StoreUnavailable, chained to the cause."""
    (tmp_path / "dir.db").mkdir()
    store = Store(create_engine(f"sqlite:///{tmp_path / 'dir.db'}"))
    with pytest.raises(StoreUnavailable) as caught:
        store.ping()
    assert isinstance(caught.value.__cause__, sa_exc.OperationalError)
    store.close()


def test_other_database_errors_raise_store_error(tmp_path: Path) -> None:
    """An integrity error is a StoreError that is not StoreUnavailable."""
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(StoreError) as caught, map_store_errors("testing"), engine.begin() as c:
        c.execute(text("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
        c.execute(text("INSERT INTO t VALUES (1), (1)"))
    assert not isinstance(caught.value, StoreUnavailable)
    assert caught.value.hint
    engine.dispose()


def test_message_names_the_action_and_where() -> None:
    """The message starts with what was being done and where."""
    with (
        pytest.raises(StoreError, match="reading things failed at db1"),
        map_store_errors("reading things", where="db1"),
    ):
        raise sa_exc.InvalidRequestError("boom")


def test_a_value_the_driver_cannot_bind_raises_store_error(store: Store) -> None:
    """A time beyond 64 bits is refused as a StoreError that is not StoreUnavailable."""
    with pytest.raises(StoreError) as caught:
        store.write_spans([SpanRecord("1" * 32, "1" * 16, "s", start_ns=2**70, end_ns=2**70)])
    assert not isinstance(caught.value, StoreUnavailable)
