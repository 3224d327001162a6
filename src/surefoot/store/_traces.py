"""Trace read models: one summary row per trace, and the query that lists them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, select

from surefoot.core._records import DecisionStatus, SpanKind, SpanStatus
from surefoot.store._schema import spans, traces

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Connection, Select

__all__ = ["TraceQuery", "TraceSummary", "list_traces", "read_summary"]


@dataclass(frozen=True, slots=True)
class TraceQuery:
    """Which traces to list, newest first.

    Args:
        since_ns: only traces starting at or after this time (ns since the epoch).
        until_ns: only traces starting before this time.
        kind: only traces containing a span of this kind.
        model: only traces whose model matches; ``*`` and ``?`` make it a glob.
        status: only traces with this status (``error`` when any span failed).
        decision: only traces whose guard decision had this status.
        text: case-insensitive substring of the root name or the input/output previews.
        limit: at most this many traces.
        offset: skip this many traces first.
    """

    since_ns: int | None = None
    until_ns: int | None = None
    kind: SpanKind | None = None
    model: str | None = None
    status: SpanStatus | None = None
    decision: DecisionStatus | None = None
    text: str | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class TraceSummary:
    """One trace at a glance, as kept up to date while its spans arrive.

    ``name`` is None until the root span has been stored. ``status`` is ``error`` when any span
    failed, else the root span's status. Tokens and cost are totals over all spans.
    """

    trace_id: str
    name: str | None
    service: str | None
    start_ns: int
    end_ns: int
    status: SpanStatus
    span_count: int
    error_count: int
    model: str | None
    input_tokens: int
    output_tokens: int
    cost_usd: float
    decision_status: DecisionStatus | None
    input_preview: str | None
    output_preview: str | None

    @property
    def duration_ns(self) -> int:
        """``end_ns - start_ns``, never negative."""
        return max(self.end_ns - self.start_ns, 0)


_SUMMARY_COLUMNS = [c for c in traces.c if c.name != "search_text"]


def _summary(row: Any) -> TraceSummary:
    values = row._asdict()
    values["status"] = SpanStatus(values["status"])
    decision = values["decision_status"]
    values["decision_status"] = None if decision is None else DecisionStatus(decision)
    return TraceSummary(**values)


def read_summary(connection: Connection, trace_id: str) -> TraceSummary | None:
    """The summary of one trace, or None when no span of it is stored."""
    stmt = select(*_SUMMARY_COLUMNS).where(traces.c.trace_id == trace_id)
    row = connection.execute(stmt).one_or_none()
    return None if row is None else _summary(row)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _model_filter(model: str) -> ColumnElement[bool]:
    if "*" not in model and "?" not in model:
        return traces.c.model == model
    pattern = _like_escape(model).replace("*", "%").replace("?", "_")
    # LIKE is case-insensitive for ASCII on SQLite and sensitive on PostgreSQL; model ids are
    # lower-case in practice, and the glob must mean the same on both, so it is matched as is.
    return traces.c.model.like(pattern, escape="\\")


def _filters(query: TraceQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.since_ns is not None:
        where.append(traces.c.start_ns >= query.since_ns)
    if query.until_ns is not None:
        where.append(traces.c.start_ns < query.until_ns)
    if query.status is not None:
        where.append(traces.c.status == query.status.value)
    if query.decision is not None:
        where.append(traces.c.decision_status == query.decision.value)
    if query.model is not None:
        where.append(_model_filter(query.model))
    if query.kind is not None:
        has_kind = (spans.c.trace_id == traces.c.trace_id) & (spans.c.kind == query.kind.value)
        where.append(exists().where(has_kind))
    if query.text:
        needle = f"%{_like_escape(query.text.lower())}%"
        where.append(traces.c.search_text.like(needle, escape="\\"))
    return where


def list_query(query: TraceQuery) -> Select[Any]:
    """The SELECT behind :func:`list_traces`."""
    return (
        select(*_SUMMARY_COLUMNS)
        .where(*_filters(query))
        .order_by(traces.c.start_ns.desc(), traces.c.trace_id.desc())
        .limit(query.limit)
        .offset(query.offset)
    )


def list_traces(connection: Connection, query: TraceQuery) -> list[TraceSummary]:
    """Trace summaries matching ``query``, newest first."""
    return [_summary(row) for row in connection.execute(list_query(query))]
