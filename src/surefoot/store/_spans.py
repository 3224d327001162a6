"""Writing and reading spans."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, literal, select, tuple_, type_coerce, update

from surefoot.core import semconv
from surefoot.store._aggregate import TRACE_COLUMNS, aggregate, merge_clause
from surefoot.store._codec import SpanRow, clean_text, denormalised, row_to_span, span_row
from surefoot.store._engine import insert_ignoring_duplicates, lock_traces, prepare, upsert
from surefoot.store._schema import JSONDocument, spans, traces

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy import Connection, Select

    from surefoot.core._records import JSONValue, SpanKind, SpanRecord
    from surefoot.store._engine import Backend, Prepared

__all__ = ["count_spans", "patch_span", "read_trace", "scan_spans", "write_spans"]


def write_spans(connection: Connection, backend: Backend, batch: Sequence[SpanRecord]) -> int:
    """Insert the spans not yet stored and fold them into their traces; returns how many."""
    if not batch:
        return 0
    insert_spans, merge_traces = _statements(backend)
    # A span whose input is the very object an earlier span of its trace holds (the tracer
    # shares one snapshot between a guard span and its model call) names that span instead of
    # storing the input again. Duplicates inside one batch collapse here (the last copy wins,
    # as a replay would deliver the same span).
    unique: dict[tuple[str, str], tuple[SpanRecord, SpanRow]] = {}
    holders: dict[tuple[str, int], str] = {}
    for span in batch:
        ref = None
        if span.input is not None:
            ref = holders.setdefault((span.trace_id, id(span.input)), span.span_id)
            ref = None if ref == span.span_id else clean_text(ref)
        row = span_row(span, ref)
        unique[row.trace_id, row.span_id] = (span, row)
    # Sorted so concurrent writers take row locks in the same order.
    fresh = [unique[key] for key in sorted(unique)]
    if len(unique) < len(batch):
        # A span twice in one batch (a replay): the copy that wins may name another span, or be
        # named while naming one itself.
        fresh = _own_inputs(fresh)
    # With the traces locked, the spans already stored cannot change under us, so the spans this
    # transaction inserts are exactly the ones to fold into the trace rows.
    lock_traces(backend, connection, (key[0] for key in unique))
    # Optimistically insert everything: when the row count says every span was new (the usual
    # case) no read was needed. Otherwise (a replay) undo, read what is stored, insert the rest.
    # (INSERT ... RETURNING would say which rows were new, but is 3x slower on PostgreSQL.)
    savepoint = connection.begin_nested()
    if insert_spans.execute(connection, [row for _, row in fresh]) == len(fresh):
        savepoint.commit()
    else:
        savepoint.rollback()
        fresh = _not_stored(connection, fresh)
        if not fresh:
            return 0
        # A span it would name may be among those stored before.
        fresh = _own_inputs(fresh)
        insert_spans.execute(connection, [row for _, row in fresh])
    merge_traces.execute(connection, aggregate(fresh))
    return len(fresh)


def _own_inputs(pairs: list[tuple[SpanRecord, SpanRow]]) -> list[tuple[SpanRecord, SpanRow]]:
    """``pairs`` with every row that names another span's input given its own instead, so that
    no reference can name a span that is not stored with its input."""
    return [(span, row if row.input_ref is None else span_row(span)) for span, row in pairs]


def _not_stored(
    connection: Connection, pairs: list[tuple[SpanRecord, SpanRow]]
) -> list[tuple[SpanRecord, SpanRow]]:
    trace_ids = sorted({row.trace_id for _, row in pairs})
    known = select(spans.c.trace_id, spans.c.span_id).where(spans.c.trace_id.in_(trace_ids))
    existing = {(row.trace_id, row.span_id) for row in connection.execute(known)}
    return [pair for pair in pairs if (pair[1].trace_id, pair[1].span_id) not in existing]


@functools.cache
def _statements(backend: Backend) -> tuple[Prepared, Prepared]:
    """The span insert and the trace merge, compiled once per backend."""
    insert_spans = prepare(backend, insert_ignoring_duplicates(backend, spans), SpanRow._fields)
    merge = upsert(backend, traces, ["trace_id"], lambda new: merge_clause(traces.c, new))
    return insert_spans, prepare(backend, merge, TRACE_COLUMNS)


# The span a row's ``input_ref`` names; every read takes the input from there when it is set.
_shared = spans.alias("shared")
_COLUMNS = [c for c in spans.c if c.name not in ("input", "input_ref")]
_INPUT = type_coerce(func.coalesce(spans.c.input, _shared.c.input), JSONDocument).label("input")
_FROM = spans.outerjoin(
    _shared, (_shared.c.trace_id == spans.c.trace_id) & (_shared.c.span_id == spans.c.input_ref)
)


def _select_spans() -> Select[Any]:
    """The columns of spans, each with its own input or the one its ``input_ref`` names."""
    return select(*_COLUMNS, _INPUT).select_from(_FROM)


# Built once: building the statement and its cache key on every call cost more than running it
# (172 against 60 us a trace of two spans, SQLite).
_READ_TRACE = (
    _select_spans()
    .where(spans.c.trace_id == bindparam("trace_id"))
    .order_by(spans.c.start_ns, spans.c.span_id)
)


def read_trace(connection: Connection, trace_id: str) -> list[SpanRecord]:
    """The spans of one trace, earliest first."""
    rows = connection.execute(_READ_TRACE, {"trace_id": trace_id})
    return [row_to_span(row) for row in rows]


def count_spans(connection: Connection) -> int:
    """How many spans are stored."""
    return connection.execute(select(func.count()).select_from(spans)).scalar_one()


def _scan_query(kind: SpanKind | None, since_ns: int | None, until_ns: int | None) -> Select[Any]:
    stmt = _select_spans()
    if kind is not None:
        stmt = stmt.where(spans.c.kind == kind.value)
    if since_ns is not None:
        stmt = stmt.where(spans.c.start_ns >= since_ns)
    if until_ns is not None:
        stmt = stmt.where(spans.c.start_ns < until_ns)
    return stmt


def scan_spans(
    connection: Connection,
    *,
    kind: SpanKind | None,
    since_ns: int | None,
    until_ns: int | None,
    batch_size: int,
    after: tuple[int, str, str] | None,
) -> list[SpanRecord]:
    """One page of spans in (start_ns, trace_id, span_id) order, after the key ``after``.

    Keyset pagination: each page is one short query, so no transaction or cursor stays open
    between pages while the caller works.
    """
    stmt = _scan_query(kind, since_ns, until_ns)
    order = (spans.c.start_ns, spans.c.trace_id, spans.c.span_id)
    if after is not None:
        stmt = stmt.where(tuple_(*order) > tuple_(*after))
    stmt = stmt.order_by(*order).limit(batch_size)
    return [row_to_span(row) for row in connection.execute(stmt)]


def patch_span(
    connection: Connection, trace_id: str, span_id: str, patch: Mapping[str, JSONValue]
) -> bool:
    """Merge ``patch`` into a span's attributes, keeping its trace's roll-ups consistent.

    Returns:
        Whether the span exists.
    """
    where = (spans.c.trace_id == trace_id) & (spans.c.span_id == span_id)
    stmt = select(spans.c.attributes, spans.c.input_tokens, spans.c.output_tokens, spans.c.cost_usd)
    row = connection.execute(stmt.where(where).with_for_update()).one_or_none()
    if row is None:
        return False
    attributes = {**row.attributes, **patch}
    facts = denormalised(attributes)
    connection.execute(update(spans).where(where).values(attributes=attributes, **facts))
    # Apply the difference rather than recomputing: an atomic increment is safe against
    # concurrent writers adding spans to the same trace.
    deltas = {
        name: getattr(traces.c, name) + ((facts[name] or 0) - (getattr(row, name) or 0))
        for name in ("input_tokens", "output_tokens", "cost_usd")
    }
    decision = patch.get(semconv.SF_DECISION_STATUS)
    if isinstance(decision, str):
        deltas["decision_status"] = literal(clean_text(decision))
    connection.execute(update(traces).where(traces.c.trace_id == trace_id).values(**deltas))
    return True
