"""Incremental maintenance of the ``traces`` rows as spans arrive.

Spans of one trace arrive in any order and in any number of batches (children end before their
root). Each batch aggregates only the spans it actually inserted, then upserts one row per trace,
merging with what is there: min of starts, max of ends, sums of counts, tokens and cost, and the
root's name, status and previews when the root is in the batch. Because a re-delivered span is
never inserted twice, it is never counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func

from surefoot.core import semconv
from surefoot.core._records import SpanStatus
from surefoot.store._codec import clean_text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import ColumnElement

    from surefoot.core._records import JSONValue, SpanRecord
    from surefoot.store._codec import SpanRow

__all__ = ["PREVIEW_CHARS", "TRACE_COLUMNS", "aggregate", "merge_clause"]

PREVIEW_CHARS = 500
_ERROR = SpanStatus.ERROR.value


@dataclass(slots=True)
class _TraceRow:
    trace_id: str
    start_ns: int
    end_ns: int
    name: str | None = None
    service: str | None = None
    root_status: str | None = None
    span_count: int = 0
    error_count: int = 0
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    decision_status: str | None = None
    input_preview: str | None = None
    output_preview: str | None = None
    # The root's input when its row names another span's copy (``input_ref``): that span is in
    # the same batch, but may come after the root, so the preview is taken in ``as_row``.
    root_input_ref: str | None = None
    # The encoded inputs of the other spans that hold their own, by span id, for that lookup.
    held_inputs: dict[str, str] | None = None

    def add(self, span: SpanRecord, row: SpanRow) -> None:
        attributes = span.attributes
        self.start_ns = min(self.start_ns, row.start_ns)
        self.end_ns = max(self.end_ns, row.end_ns)
        self.span_count += 1
        self.error_count += row.status == _ERROR
        self.model = self.model or row.model
        self.input_tokens += row.input_tokens or 0
        self.output_tokens += row.output_tokens or 0
        self.cost_usd += row.cost_usd or 0.0
        decision = attributes.get(semconv.SF_DECISION_STATUS)
        if isinstance(decision, str):
            self.decision_status = clean_text(decision)
        service = attributes.get(semconv.SERVICE_NAME)
        if isinstance(service, str):
            service = clean_text(service)
        if row.parent_id is None:
            self.name = row.name
            self.root_status = row.status
            # The row's JSON is already encoded: a preview of a non-text payload reuses it.
            self.input_preview = _preview(span.input, row.input)
            if self.input_preview is None and row.input_ref is not None:
                self.root_input_ref = row.input_ref
            self.output_preview = _preview(span.output, row.output)
            if isinstance(service, str):
                self.service = service
        else:
            if self.service is None and isinstance(service, str):
                self.service = service
            if row.input is not None:
                if self.held_inputs is None:
                    self.held_inputs = {}
                self.held_inputs[row.span_id] = row.input

    def as_row(self) -> tuple[Any, ...]:
        """The values in ``TRACE_COLUMNS`` order."""
        if self.error_count:
            status = _ERROR
        else:
            status = self.root_status or SpanStatus.UNSET.value
        if self.root_input_ref is not None and self.held_inputs is not None:
            # A text input previewed as itself at the root; any other needs the holder's JSON.
            held = self.held_inputs.get(self.root_input_ref)
            self.input_preview = None if held is None else held[:PREVIEW_CHARS]
        search = None
        if self.name is not None:
            parts = (self.name, self.input_preview or "", self.output_preview or "")
            search = "\n".join(parts).lower()
        return (
            self.trace_id,
            self.name,
            self.service,
            self.start_ns,
            self.end_ns,
            status,
            self.span_count,
            self.error_count,
            self.model,
            self.input_tokens,
            self.output_tokens,
            self.cost_usd,
            self.decision_status,
            self.input_preview,
            self.output_preview,
            search,
        )


TRACE_COLUMNS = (
    "trace_id",
    "name",
    "service",
    "start_ns",
    "end_ns",
    "status",
    "span_count",
    "error_count",
    "model",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "decision_status",
    "input_preview",
    "output_preview",
    "search_text",
)


def _preview(value: JSONValue, encoded: str | None) -> str | None:
    """The first characters of a payload: text as it is, anything else as its stored JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return clean_text(value)[:PREVIEW_CHARS]
    return None if encoded is None else encoded[:PREVIEW_CHARS]


def aggregate(spans: Iterable[tuple[SpanRecord, SpanRow]]) -> list[tuple[Any, ...]]:
    """One partial ``traces`` row per trace among ``spans`` (each with its ``spans`` row), in
    ``TRACE_COLUMNS`` order, sorted by trace id.

    Sorting makes concurrent writers lock trace rows in the same order, so they cannot deadlock.
    """
    rows: dict[str, _TraceRow] = {}
    for span, row in spans:
        trace_id = row.trace_id
        trace = rows.get(trace_id)
        if trace is None:
            trace = rows[trace_id] = _TraceRow(trace_id, row.start_ns, row.end_ns)
        trace.add(span, row)
    return [rows[key].as_row() for key in sorted(rows)]


def _least(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    # Portable: SQLite spells it min(a, b) and PostgreSQL LEAST(a, b).
    return case((a <= b, a), else_=b)


def _greatest(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((a >= b, a), else_=b)


def merge_clause(existing: Any, new: Any) -> dict[str, ColumnElement[Any]]:
    """The SET clause merging a partial row ``new`` (``excluded``) into the ``existing`` row."""
    root_arrived = new.name.is_not(None)
    errors = existing.error_count + new.error_count
    return {
        "name": func.coalesce(new.name, existing.name),
        "service": func.coalesce(existing.service, new.service),
        "start_ns": _least(existing.start_ns, new.start_ns),
        "end_ns": _greatest(existing.end_ns, new.end_ns),
        # Any error makes the trace an error; otherwise the root's own status decides.
        "status": case((errors > 0, _ERROR), (root_arrived, new.status), else_=existing.status),
        "span_count": existing.span_count + new.span_count,
        "error_count": errors,
        "model": func.coalesce(existing.model, new.model),
        "input_tokens": existing.input_tokens + new.input_tokens,
        "output_tokens": existing.output_tokens + new.output_tokens,
        "cost_usd": existing.cost_usd + new.cost_usd,
        "decision_status": func.coalesce(new.decision_status, existing.decision_status),
        "input_preview": case((root_arrived, new.input_preview), else_=existing.input_preview),
        "output_preview": case((root_arrived, new.output_preview), else_=existing.output_preview),
        "search_text": func.coalesce(new.search_text, existing.search_text),
    }
