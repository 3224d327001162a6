"""The Store: a thin facade over an engine and the per-capability repositories."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from surefoot.store import _spans, _traces
from surefoot.store._engine import WRITE_OPTION, create_engine
from surefoot.store._errors import map_store_errors
from surefoot.store._migrate import ensure_current, upgrade
from surefoot.store._repository import Repository

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from sqlalchemy import Connection

    from surefoot.core._records import JSONValue, SpanKind, SpanRecord
    from surefoot.core.config import StoreSettings
    from surefoot.store._traces import TraceQuery, TraceSummary

__all__ = ["Store"]


class Store(Repository):
    """Where surefoot keeps its records: SQLite or PostgreSQL behind one interface.

    Implements :class:`surefoot.core.SpanSink`. Every method is one transaction and raises
    :class:`~surefoot.core.StoreUnavailable` when the database cannot be reached, or another
    :class:`~surefoot.core.StoreError`; driver exceptions never escape.

    Args:
        engine: an engine from :func:`surefoot.store.create_engine`, with the schema current.
    """

    @classmethod
    def open(cls, settings: StoreSettings, *, migrate: bool | None = None) -> Store:
        """Open the store the settings name, creating or checking its schema.

        Args:
            settings: the store settings.
            migrate: upgrade the schema to the newest revision; default ``settings.auto_migrate``.
                When false the schema must already be current.

        Raises:
            ConfigError: the URL is invalid.
            MigrationRequired: ``migrate`` is false and the schema is not current.
            StoreUnavailable: the database cannot be reached.
        """
        engine = create_engine(
            settings.url, connect_timeout_s=settings.connect_timeout_s, pool_size=settings.pool_size
        )
        try:
            if settings.auto_migrate if migrate is None else migrate:
                upgrade(engine)
            else:
                ensure_current(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    def write_spans(self, spans: Sequence[SpanRecord]) -> None:
        """Store spans in one transaction; spans already stored are skipped, not counted twice.

        Raises:
            StoreUnavailable: the database cannot be reached; nothing was written.
        """
        with map_store_errors("writing spans", where=self._where), self._writing() as conn:
            _spans.write_spans(conn, self._backend, spans)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        # A transaction that will write: on SQLite it takes the write lock at BEGIN.
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    def get_trace(self, trace_id: str) -> list[SpanRecord]:
        """The spans of one trace, earliest first; empty when the trace is unknown."""
        with map_store_errors("reading a trace", where=self._where), self.engine.connect() as conn:
            return _spans.read_trace(conn, trace_id)

    def get_trace_summary(self, trace_id: str) -> TraceSummary | None:
        """The summary row of one trace, or None when none of its spans is stored."""
        with map_store_errors("reading a trace", where=self._where), self.engine.connect() as conn:
            return _traces.read_summary(conn, trace_id)

    def list_traces(self, query: TraceQuery) -> list[TraceSummary]:
        """Trace summaries matching ``query``, newest first."""
        with map_store_errors("listing traces", where=self._where), self.engine.connect() as conn:
            return _traces.list_traces(conn, query)

    def count_spans(self) -> int:
        """How many spans are stored."""
        with map_store_errors("counting spans", where=self._where), self.engine.connect() as conn:
            return _spans.count_spans(conn)

    def iter_spans(
        self,
        kind: SpanKind | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
        *,
        batch_size: int = 1_000,
    ) -> Iterator[SpanRecord]:
        """Every matching span in start-time order, fetched ``batch_size`` at a time.

        Args:
            kind: only spans of this kind.
            since_ns: only spans starting at or after this time.
            until_ns: only spans starting before this time.
            batch_size: spans per query.
        """
        after: tuple[int, str, str] | None = None
        while True:
            with (
                map_store_errors("reading spans", where=self._where),
                self.engine.connect() as conn,
            ):
                page = _spans.scan_spans(
                    conn,
                    kind=kind,
                    since_ns=since_ns,
                    until_ns=until_ns,
                    batch_size=batch_size,
                    after=after,
                )
            yield from page
            if len(page) < batch_size:
                return
            last = page[-1]
            after = (last.start_ns, last.trace_id, last.span_id)

    def set_span_attributes(
        self, trace_id: str, span_id: str, patch: Mapping[str, JSONValue]
    ) -> bool:
        """Merge ``patch`` into one span's attributes, e.g. to re-price history.

        The trace's token and cost totals move with the span's, in the same transaction.

        Returns:
            Whether the span exists.
        """
        with map_store_errors("updating a span", where=self._where), self._writing() as conn:
            return _spans.patch_span(conn, trace_id, span_id, patch)

    def ping(self) -> None:
        """Check the database answers.

        Raises:
            StoreUnavailable: it does not.
        """
        with map_store_errors("pinging the store", where=self._where), self.engine.connect() as c:
            c.execute(text("SELECT 1"))

    def close(self) -> None:
        """Close every pooled connection; the store must not be used afterwards."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self._where!r})"
