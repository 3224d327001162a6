"""SQLite specifics: the embedded default store, one file in WAL mode."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.pool import StaticPool

from surefoot.core.errors import StoreUnavailable

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from sqlalchemy import ColumnElement, Connection, Engine, Table
    from sqlalchemy.dialects.sqlite import Insert
    from sqlalchemy.engine import URL, Dialect

__all__ = [
    "WRITE_OPTION",
    "create_sqlite_engine",
    "insert_ignoring_duplicates",
    "lock_traces",
    "positional_dialect",
    "upsert",
]

# Execution option marking a connection whose transactions will write.
WRITE_OPTION = "surefoot_write"
WAL_AUTOCHECKPOINT_PAGES = 8_000


def create_sqlite_engine(
    url: URL, *, connect_timeout_s: float, json_serializer: Callable[[Any], str]
) -> Engine:
    """An engine on a SQLite file (its folder is created) or an in-memory database."""
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    kwargs: dict[str, Any]
    if in_memory:
        # One shared connection, or each checkout would see its own empty database.
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    else:
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot create the store folder {folder}: {exc}",
                hint="create it, make it writable, or point SUREFOOT_STORE__URL elsewhere",
            ) from exc
        kwargs = {"pool_timeout": connect_timeout_s}
    engine = create_engine(url, json_serializer=json_serializer, **kwargs)
    busy_timeout_ms = int(connect_timeout_s * 1000)
    event.listen(engine, "connect", _on_connect(busy_timeout_ms, wal=not in_memory))
    event.listen(engine, "begin", _on_begin)
    return engine


def _on_connect(busy_timeout_ms: int, *, wal: bool) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (the "begin" listener below); pysqlite's own
        # implicit BEGIN is skipped for some statements and breaks SAVEPOINTs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if wal:
                # WAL lets readers run beside the one writer; NORMAL sync is durable across
                # application crashes and loses at most the last commits on power loss.
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Spans and traces are keyed by trace id. Where those ids are random (OpenTelemetry
            # SDKs', arriving through OTLP ingest) every commit dirties index pages all over the
            # file, and even surefoot's own, which begin with the time, rewrite the same pages
            # at the growing end of each index commit after commit. Checkpointing every 8,000
            # pages (32 MB of WAL) instead of 1,000 copies each such page back once per several
            # commits, not once per commit. Checkpoint frequency does not change durability.
            cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES:d}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms:d}")
            # A span write's statement journal (what its savepoint and multi-row inserts would
            # roll back) outgrows SQLite's 64 KiB in-memory part, and each transaction then
            # created, wrote and deleted a file of it in the temp folder. In memory, a store
            # write took 4.5 to 8 % less CPU (four paired runs over 47,126 spans captured from
            # a gateway at its throughput ceiling). surefoot's queries sort only small sets or
            # stop at a limit, and it never vacuums, so what this keeps in memory stays small.
            cursor.execute("PRAGMA temp_store=MEMORY")
        finally:
            cursor.close()

    return on_connect


def _on_begin(connection: Any) -> None:
    # A writer takes the database's write lock up front (waiting up to busy_timeout), so what it
    # reads inside the transaction cannot change before it writes.
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def lock_traces(connection: Connection, trace_ids: Iterable[str]) -> None:
    """Nothing to do: a write transaction already holds SQLite's single write lock."""


def insert_ignoring_duplicates(table: Table) -> Insert:
    """``INSERT OR IGNORE``-style insert that skips rows whose key already exists."""
    return sqlite_insert(table).on_conflict_do_nothing()


def upsert(
    table: Table,
    key: list[str],
    merge: Callable[[Any], Mapping[str, ColumnElement[Any]]],
) -> Insert:
    """An insert that merges into the existing row on a key conflict.

    Args:
        table: the table.
        key: the conflict target columns.
        merge: given the ``excluded`` pseudo-row, the SET clause.
    """
    stmt = sqlite_insert(table)
    return stmt.on_conflict_do_update(index_elements=key, set_=dict(merge(stmt.excluded)))


def rows_per_statement(connection: Connection, columns: int, constants: int) -> int:
    """How many rows of ``columns`` values one statement may bind (plus ``constants``), under
    the connection's variable limit (999 before SQLite 3.32, 32,766 since) and at most 256."""
    dbapi: Any = connection.connection.dbapi_connection
    limit = int(dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return max(1, min(256, (limit - constants) // columns))


def positional_dialect() -> Dialect:
    """The dialect to compile statements that are executed with tuples of values (``?``)."""
    return SQLiteDialect_pysqlite()
