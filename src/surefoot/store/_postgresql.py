"""PostgreSQL specifics: the shared store for teams that run several replicas."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.types import Text

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from sqlalchemy import ColumnElement, Connection, Engine, Table
    from sqlalchemy.dialects.postgresql import Insert
    from sqlalchemy.engine import URL, Dialect

__all__ = [
    "create_postgresql_engine",
    "insert_ignoring_duplicates",
    "lock_traces",
    "positional_dialect",
    "upsert",
]

DRIVER = "postgresql+psycopg"
# First key of surefoot's advisory locks on traces, so they never collide with an application's
# own single-key advisory locks ("sfot" in ASCII).
_TRACE_LOCK_CLASS = 0x73666F74
_LOCK_TRACES = text(
    "SELECT pg_advisory_xact_lock(:lock_class, hashtext(t))"
    " FROM (SELECT t FROM unnest(:ids) AS t ORDER BY t) AS ordered"
).bindparams(bindparam("ids", type_=ARRAY(Text)), lock_class=_TRACE_LOCK_CLASS)


def create_postgresql_engine(
    url: URL,
    *,
    connect_timeout_s: float,
    pool_size: int,
    json_serializer: Callable[[Any], str],
) -> Engine:
    """An engine on PostgreSQL through psycopg 3, whatever driver the URL named."""
    return create_engine(
        url.set(drivername=DRIVER),
        json_serializer=json_serializer,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=connect_timeout_s,
        # A connection that died with the server (restart, failover, network cut) is found at
        # checkout and replaced, instead of failing the first write after an outage.
        pool_pre_ping=True,
        # libpq counts whole seconds and treats anything under 2 as 2.
        connect_args={"connect_timeout": max(2, math.ceil(connect_timeout_s))},
    )


def lock_traces(connection: Connection, trace_ids: Iterable[str]) -> None:
    """Serialise writers of the same traces until the transaction ends.

    Two replicas replaying the same spool would otherwise both see a span as new and both fold
    it into the trace row. Locks are taken in sorted order, so writers cannot deadlock.
    """
    connection.execute(_LOCK_TRACES, {"ids": sorted(set(trace_ids))})


def insert_ignoring_duplicates(table: Table) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING``."""
    return pg_insert(table).on_conflict_do_nothing()


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
    stmt = pg_insert(table)
    return stmt.on_conflict_do_update(index_elements=key, set_=dict(merge(stmt.excluded)))


def positional_dialect() -> Dialect:
    """The dialect to compile statements that are executed with tuples of values (``%s``,
    with the casts SQLAlchemy renders for psycopg, e.g. ``::JSONB``)."""
    dialect_class: Any = PGDialect_psycopg  # its constructor is untyped
    return cast("Dialect", dialect_class(paramstyle="format"))
