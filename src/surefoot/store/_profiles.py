"""Stored per-window profiles and the watermarks of incremental profiling.

A profile row holds one field of one source over one window, as the JSON state of a mergeable
profile. Updates merge into the stored row inside one transaction serialised per source (an
advisory lock on PostgreSQL, the IMMEDIATE write lock on SQLite), so concurrent writers never lose
each other's counts. The store does not know how profiles merge: the caller's ``build`` does, given
what is stored, and the store only reads and writes rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, assert_never

from sqlalchemy import and_, func, select, text, tuple_

from surefoot.core._monitor_records import ProfileWindowRecord
from surefoot.store._actions import writing
from surefoot.store._repository import Repository
from surefoot.store._schema_monitor import monitor_profiles, monitor_watermarks

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy import Connection

    from surefoot.store._engine import Backend

__all__ = ["ProfileKey", "ProfileStore"]

ProfileKey = tuple[str, int]
"""A field and a window start: one stored profile of a source."""

_PG_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:name))")


def lock_source(backend: Backend, conn: Connection, name: str) -> None:
    """Serialise writers of one named resource until the transaction ends."""
    if backend == "sqlite":
        return  # BEGIN IMMEDIATE already holds SQLite's single write lock.
    if backend == "postgresql":
        conn.execute(_PG_LOCK, {"name": name})
        return
    assert_never(backend)


def _row_to_profile(row: Any) -> ProfileWindowRecord:
    values = dict(row._mapping)
    values["trace_ids"] = tuple(values["trace_ids"])
    return ProfileWindowRecord(**values)


def _profile_row(record: ProfileWindowRecord) -> dict[str, Any]:
    row = {f: getattr(record, f) for f in ProfileWindowRecord.__slots__}
    row["trace_ids"] = list(record.trace_ids)
    return row


class ProfileStore(Repository):
    """Per-window profiles of monitored sources, and how far traces have been profiled.

    Args:
        engine: the store's engine (``Store.engine``), with the schema current.
    """

    def update(
        self,
        source: str,
        keys: Sequence[ProfileKey],
        build: Callable[
            [dict[ProfileKey, ProfileWindowRecord], dict[str, dict[str, Any]]],
            Sequence[ProfileWindowRecord],
        ],
        *,
        watermark_ns: int | None = None,
        now_ns: int = 0,
    ) -> list[ProfileWindowRecord]:
        """Merge new data into stored windows, in one transaction serialised per source.

        Args:
            source: the monitored source.
            keys: the (field, window start) profiles the update touches.
            build: given the stored rows of ``keys`` and each field's first stored state (whose
                bins every later window of the field must share), returns the rows to write.
            watermark_ns: if given, the source's new profiling watermark, written atomically.
            now_ns: time of the update, kept as the watermark's ``updated_ns``.

        Returns:
            The rows written.
        """
        with self._errors("updating stored profiles"), writing(self.engine) as conn:
            lock_source(self._backend, conn, f"surefoot.profile:{source}")
            stored = self._rows(conn, source, keys)
            firsts = self._first_states(conn, source, sorted({f for f, _ in keys}))
            rows = list(build(stored, firsts))
            for row in rows:
                key = (row.field, row.window_start_ns)
                if key in stored:
                    where = and_(
                        monitor_profiles.c.source == source,
                        monitor_profiles.c.field == row.field,
                        monitor_profiles.c.window_start_ns == row.window_start_ns,
                    )
                    conn.execute(monitor_profiles.update().where(where).values(_profile_row(row)))
                else:
                    conn.execute(monitor_profiles.insert().values(_profile_row(row)))
            if watermark_ns is not None:
                self._set_watermark(conn, source, watermark_ns, now_ns)
            return rows

    @staticmethod
    def _rows(
        conn: Connection, source: str, keys: Sequence[ProfileKey]
    ) -> dict[ProfileKey, ProfileWindowRecord]:
        if not keys:
            return {}
        stmt = select(monitor_profiles).where(
            monitor_profiles.c.source == source,
            tuple_(monitor_profiles.c.field, monitor_profiles.c.window_start_ns).in_(list(keys)),
        )
        rows = (_row_to_profile(r) for r in conn.execute(stmt))
        return {(r.field, r.window_start_ns): r for r in rows}

    @staticmethod
    def _first_states(
        conn: Connection, source: str, fields: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        if not fields:
            return {}
        first = (
            select(monitor_profiles.c.field, func.min(monitor_profiles.c.window_start_ns))
            .where(monitor_profiles.c.source == source, monitor_profiles.c.field.in_(fields))
            .group_by(monitor_profiles.c.field)
        )
        keys = [(f, w) for f, w in conn.execute(first)]
        if not keys:
            return {}
        stmt = select(monitor_profiles.c.field, monitor_profiles.c.state).where(
            monitor_profiles.c.source == source,
            tuple_(monitor_profiles.c.field, monitor_profiles.c.window_start_ns).in_(keys),
        )
        return {field: dict(state) for field, state in conn.execute(stmt)}

    def _set_watermark(self, conn: Connection, source: str, watermark_ns: int, now: int) -> None:
        values = {"watermark_ns": watermark_ns, "updated_ns": now}
        key = monitor_watermarks.c.source == source
        if conn.execute(monitor_watermarks.update().where(key).values(values)).rowcount == 0:
            conn.execute(monitor_watermarks.insert().values(source=source, **values))

    def watermark(self, source: str) -> int | None:
        """Start time up to which the source has been profiled from traces, or None."""
        stmt = select(monitor_watermarks.c.watermark_ns).where(
            monitor_watermarks.c.source == source
        )
        with self._errors("reading a profiling watermark"), self.engine.connect() as conn:
            value = conn.execute(stmt).scalar()
        return None if value is None else int(value)

    def windows(
        self, source: str, field: str, since_ns: int, until_ns: int
    ) -> list[ProfileWindowRecord]:
        """Stored profiles of a field whose windows start in ``[since_ns, until_ns)``."""
        stmt = (
            select(monitor_profiles)
            .where(
                monitor_profiles.c.source == source,
                monitor_profiles.c.field == field,
                monitor_profiles.c.window_start_ns >= since_ns,
                monitor_profiles.c.window_start_ns < until_ns,
            )
            .order_by(monitor_profiles.c.window_start_ns)
        )
        with self._errors("reading stored profiles"), self.engine.connect() as conn:
            return [_row_to_profile(r) for r in conn.execute(stmt)]

    def sources(self) -> list[tuple[str, str, int]]:
        """Every (source, field, stored window count), for status views."""
        stmt = (
            select(monitor_profiles.c.source, monitor_profiles.c.field, func.count())
            .group_by(monitor_profiles.c.source, monitor_profiles.c.field)
            .order_by(monitor_profiles.c.source, monitor_profiles.c.field)
        )
        with self._errors("listing stored profiles"), self.engine.connect() as conn:
            return [(s, f, int(n)) for s, f, n in conn.execute(stmt)]
