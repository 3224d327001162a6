"""Conversion between SpanRecord and rows of the ``spans`` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from surefoot.core import semconv
from surefoot.core._records import ErrorInfo, JSONValue, SpanKind, SpanRecord, SpanStatus

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["denormalised", "row_to_span", "span_to_row"]


def _number(value: object) -> float | None:
    # An exact type test: cheap on the write path, and it rejects bool (True tokens are not one
    # token) along with strings and containers.
    return value if type(value) is int or type(value) is float else None


def _int(value: object) -> int | None:
    if type(value) is int:
        return value
    return int(value) if type(value) is float else None


def span_model(attributes: Mapping[str, JSONValue]) -> str | None:
    """The model a span called: the requested one, else the one that answered."""
    model = attributes.get(semconv.GEN_AI_REQUEST_MODEL)
    if type(model) is str and model:
        return model
    model = attributes.get(semconv.GEN_AI_RESPONSE_MODEL)
    return model if type(model) is str and model else None


def denormalised(attributes: Mapping[str, JSONValue]) -> dict[str, Any]:
    """The columns copied out of the attributes for filtering and roll-ups."""
    get = attributes.get
    return {
        "model": span_model(attributes),
        "input_tokens": _int(get(semconv.GEN_AI_USAGE_INPUT_TOKENS)),
        "output_tokens": _int(get(semconv.GEN_AI_USAGE_OUTPUT_TOKENS)),
        "cost_usd": _number(get(semconv.SF_COST_USD)),
    }


def span_to_row(span: SpanRecord) -> dict[str, Any]:
    """The ``spans`` row of a span; JSON columns are encoded by the engine, once."""
    error = span.error
    return {
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_id": span.parent_id,
        "name": span.name,
        "kind": span.kind.value,
        "start_ns": span.start_ns,
        "end_ns": span.end_ns,
        "duration_ns": span.duration_ns,
        "status": span.status.value,
        **denormalised(span.attributes),
        "attributes": span.attributes,
        "input": span.input,
        "output": span.output,
        "error": None
        if error is None
        else {"type": error.type, "message": error.message, "traceback": error.traceback},
    }


def row_to_span(row: Any) -> SpanRecord:
    """The span of a ``spans`` row (a SQLAlchemy Row or a mapping with the same keys)."""
    error = row.error
    return SpanRecord(
        trace_id=row.trace_id,
        span_id=row.span_id,
        parent_id=row.parent_id,
        name=row.name,
        kind=SpanKind(row.kind),
        start_ns=row.start_ns,
        end_ns=row.end_ns,
        status=SpanStatus(row.status),
        attributes=row.attributes,
        input=row.input,
        output=row.output,
        error=None if error is None else ErrorInfo(**error),
    )
