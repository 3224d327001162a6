"""Building an engine from a store URL, with the backend's specifics applied."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, assert_never

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from surefoot.core.config import mask_url
from surefoot.core.errors import ConfigError
from surefoot.store import _postgresql, _sqlite
from surefoot.store._codec import json_dumps

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from sqlalchemy import ColumnElement, Connection, Engine, Table
    from sqlalchemy.engine import URL
    from sqlalchemy.sql.dml import Insert, ValuesBase

__all__ = [
    "WRITE_OPTION",
    "Backend",
    "Prepared",
    "backend_of",
    "create_engine",
    "insert_ignoring_duplicates",
    "lock_traces",
    "prepare",
    "upsert",
]

WRITE_OPTION = _sqlite.WRITE_OPTION

Backend = Literal["sqlite", "postgresql"]

# Scheme (before any "+driver") to backend; "postgres" is what Heroku-style URLs use.
_SCHEMES: dict[str, Backend] = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
}
_DRIVERS: dict[Backend, frozenset[str]] = {
    "sqlite": frozenset({"", "pysqlite"}),
    "postgresql": frozenset({"", "psycopg"}),
}
_SUPPORTED = "sqlite:///PATH, postgresql://, postgres:// or postgresql+psycopg://"


def parse_url(url: str) -> tuple[Backend, URL]:
    """The backend a store URL names, and the URL parsed.

    Raises:
        ConfigError: the URL is malformed or names an unsupported backend or driver.
    """
    scheme, sep, rest = url.partition("://")
    backend = _SCHEMES.get(scheme.partition("+")[0].lower()) if sep else None
    driver = scheme.partition("+")[2].lower()
    if backend is None or driver not in _DRIVERS[backend]:
        # Without "://" the text may be anything, a password included: never echo it.
        shown = repr(scheme) if sep else "(none)"
        raise ConfigError(
            f"unsupported store URL scheme {shown}",
            hint=f"use one of {_SUPPORTED} in SUREFOOT_STORE__URL",
        )
    if backend == "postgresql":
        # Normalise every PostgreSQL spelling to the psycopg 3 driver we depend on.
        url = f"{_postgresql.DRIVER}://{rest}"
    try:
        return backend, make_url(url)
    except sa_exc.ArgumentError as exc:
        raise ConfigError(
            f"malformed store URL {mask_url(url)!r}: {exc}", hint=f"use one of {_SUPPORTED}"
        ) from exc


def backend_of(url: str) -> Backend:
    """The backend a store URL names; raises ConfigError like :func:`create_engine`."""
    return parse_url(url)[0]


def create_engine(url: str, *, connect_timeout_s: float = 5.0, pool_size: int = 5) -> Engine:
    """Create a SQLAlchemy engine for a store URL with the backend's settings applied.

    SQLite gets its folder created and WAL mode, ``synchronous=NORMAL``, foreign keys and a busy
    timeout on every connection. PostgreSQL URLs (``postgresql://``, ``postgres://``) are
    normalised to the psycopg 3 driver. No connection is opened until the engine is used.

    Args:
        url: the store URL, e.g. ``sqlite:///.surefoot/surefoot.db``.
        connect_timeout_s: seconds to wait for a connection (SQLite: for the write lock).
        pool_size: connections kept open (PostgreSQL).

    Returns:
        The engine.

    Raises:
        ConfigError: the URL is malformed or names an unsupported backend.
        StoreUnavailable: the SQLite file's folder cannot be created.
    """
    backend, parsed = parse_url(url)
    if backend == "sqlite":
        return _sqlite.create_sqlite_engine(
            parsed, connect_timeout_s=connect_timeout_s, json_serializer=json_dumps
        )
    if backend == "postgresql":
        return _postgresql.create_postgresql_engine(
            parsed,
            connect_timeout_s=connect_timeout_s,
            pool_size=pool_size,
            json_serializer=json_dumps,
        )
    assert_never(backend)


def insert_ignoring_duplicates(backend: Backend, table: Table) -> Insert:
    """An insert that silently skips rows whose primary key already exists."""
    if backend == "sqlite":
        return _sqlite.insert_ignoring_duplicates(table)
    if backend == "postgresql":
        return _postgresql.insert_ignoring_duplicates(table)
    assert_never(backend)


def lock_traces(backend: Backend, connection: Connection, trace_ids: Iterable[str]) -> None:
    """Keep other writers away from these traces' spans until the transaction ends.

    ``trace_ids`` may repeat and come in any order, and is only read where locks are taken (not
    on SQLite, whose write transaction holds the database's one write lock already).
    """
    if backend == "sqlite":
        _sqlite.lock_traces(connection, trace_ids)
    elif backend == "postgresql":
        _postgresql.lock_traces(connection, trace_ids)
    else:
        assert_never(backend)


def upsert(
    backend: Backend,
    table: Table,
    key: list[str],
    merge: Callable[[Any], Mapping[str, ColumnElement[Any]]],
) -> Insert:
    """An insert that merges into the existing row on a key conflict (see ``_sqlite.upsert``)."""
    if backend == "sqlite":
        return _sqlite.upsert(table, key, merge)
    if backend == "postgresql":
        return _postgresql.upsert(table, key, merge)
    assert_never(backend)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A write statement compiled once to the driver's SQL and executed with plain tuples.

    This skips SQLAlchemy's per-row parameter processing (dict lookups and bind processors),
    which costs more than the database itself on the span write path; values must therefore
    already be what the driver takes (JSON encoded, see :func:`surefoot.store._codec.span_row`).

    On SQLite (``row`` set) several rows go in one multi-row ``VALUES`` statement. The driver
    releases the interpreter lock around every statement step and takes it back after, so one
    step per row made the writer thread ask for the lock back once per row; in a server whose
    event loop is busy, each of those asks forces the loop to stop and hand the lock over, which
    cost the gateway about a seventh of its throughput and most of its tail latency.
    """

    sql: str
    tail: tuple[Any, ...]  # the statement's own constants, bound after each row's values
    row: str = ""  # one row's "(?, ..., ?)" in ``sql``, when several rows may share a statement

    def execute(self, connection: Connection, rows: Sequence[tuple[Any, ...]]) -> int:
        """Execute once per row; returns the rows affected (-1 when the driver cannot say)."""
        if self.row and len(rows) > 1:
            return self._execute_grouped(connection, rows)
        tail = self.tail
        params = list(rows) if not tail else [row + tail for row in rows]
        return int(connection.exec_driver_sql(self.sql, params).rowcount)

    def _execute_grouped(self, connection: Connection, rows: Sequence[tuple[Any, ...]]) -> int:
        per_statement = _sqlite.rows_per_statement(connection, len(rows[0]), len(self.tail))
        affected = 0
        start = 0
        while start < len(rows):
            # Whole statements of `per_statement` rows, then the rest in power-of-two sizes, so
            # that a handful of statement texts serve every batch size (the driver caches them).
            size = min(per_statement, 1 << ((len(rows) - start).bit_length() - 1))
            group = rows[start : start + size]
            params = (*itertools.chain.from_iterable(group), *self.tail)
            done = connection.exec_driver_sql(_grouped_sql(self.sql, self.row, size), params)
            affected += done.rowcount
            start += size
        return affected


@functools.lru_cache(maxsize=64)
def _grouped_sql(sql: str, row: str, size: int) -> str:
    """``sql`` with its one ``VALUES`` row repeated ``size`` times."""
    return sql.replace(f" VALUES {row}", " VALUES " + ", ".join([row] * size), 1)


def prepare(backend: Backend, stmt: ValuesBase, columns: Sequence[str]) -> Prepared:
    """Compile ``stmt`` (an insert of ``columns``, in that order) for tuples of values.

    Raises:
        ValueError: the compiled statement does not bind ``columns`` first, in order.
    """
    if backend == "sqlite":
        dialect: Any = _sqlite.positional_dialect()
    elif backend == "postgresql":
        dialect = _postgresql.positional_dialect()
    else:
        assert_never(backend)
    compiled = stmt.values(dict.fromkeys(columns)).compile(dialect=dialect)
    order = tuple(compiled.positiontup or ())
    if order[: len(columns)] != tuple(columns):
        raise ValueError(f"statement binds {order}, not {tuple(columns)} first")
    params = compiled.params
    tail = tuple(params[name] for name in order[len(columns) :])
    row = "(" + ", ".join(["?"] * len(columns)) + ")"
    grouped = backend == "sqlite" and compiled.string.count(f" VALUES {row}") == 1
    return Prepared(compiled.string, tail, row if grouped else "")


def backend_of_engine(engine: Engine) -> Backend:
    """The backend of an engine built by :func:`create_engine` (or any SQLite/PostgreSQL one)."""
    name = engine.dialect.name
    if name in ("sqlite", "postgresql"):
        return "sqlite" if name == "sqlite" else "postgresql"
    raise ConfigError(f"unsupported database dialect {name!r}", hint=f"use one of {_SUPPORTED}")
