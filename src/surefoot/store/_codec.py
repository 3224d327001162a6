"""Conversion between SpanRecord and rows of the ``spans`` table, and JSON encoding.

Values both databases would refuse are made storable here, the same way on both, so that one odd
span can never fail a batch:

* NUL characters (PostgreSQL rejects them in text and JSON) become U+FFFD, in strings and in
  mapping keys;
* NaN and the infinities (not JSON; JSONB refuses them) become the strings ``"NaN"``,
  ``"Infinity"`` and ``"-Infinity"``;
* denormalised numbers (tokens, cost) that are not finite or do not fit a 64-bit integer are
  left out of their column (they stay in the attributes).

The checks cost one substring test per text column and per encoded JSON document; the JSON
itself is :mod:`surefoot.core._json`'s, which spells non-finite floats as strings as it encodes.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from surefoot.core import semconv
from surefoot.core._json import dumps
from surefoot.core._records import ErrorInfo, JSONValue, SpanKind, SpanRecord, SpanStatus

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "SpanRow",
    "clean_text",
    "denormalised",
    "json_dumps",
    "row_to_span",
    "span_row",
]

_INT64 = range(-(2**63), 2**63)
# An escaped NUL that is not itself escaped: preceded by an even number of backslashes.
_ESCAPED_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def json_dumps(value: Any) -> str:
    """``value`` as compact JSON both databases accept (see the module docstring)."""
    text = dumps(value)
    if "\\u0000" in text:
        text = _ESCAPED_NUL.sub(r"\1\\ufffd", text)
    return text


def clean_text(text: str) -> str:
    """``text`` with NUL characters replaced by U+FFFD."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def _number(value: object) -> float | None:
    # An exact type test: cheap on the write path, and it rejects bool (True tokens are not one
    # token) along with strings and containers.
    if type(value) is int:
        return value if value in _INT64 else None
    return value if type(value) is float and math.isfinite(value) else None


def _int(value: object) -> int | None:
    if type(value) is int:
        return value if value in _INT64 else None
    if type(value) is float and math.isfinite(value) and -(2.0**63) <= value < 2.0**63:
        return int(value)
    return None


def span_model(attributes: Mapping[str, JSONValue]) -> str | None:
    """The model a span called: the requested one, else the one that answered."""
    model = attributes.get(semconv.GEN_AI_REQUEST_MODEL)
    if type(model) is str and model:
        return clean_text(model)
    model = attributes.get(semconv.GEN_AI_RESPONSE_MODEL)
    return clean_text(model) if type(model) is str and model else None


def denormalised(attributes: Mapping[str, JSONValue]) -> dict[str, Any]:
    """The columns copied out of the attributes for filtering and roll-ups."""
    get = attributes.get
    return {
        "model": span_model(attributes),
        "input_tokens": _int(get(semconv.GEN_AI_USAGE_INPUT_TOKENS)),
        "output_tokens": _int(get(semconv.GEN_AI_USAGE_OUTPUT_TOKENS)),
        "cost_usd": _number(get(semconv.SF_COST_USD)),
    }


class SpanRow(NamedTuple):
    """A ``spans`` row ready for the driver: columns in table order, JSON already encoded."""

    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    kind: str
    start_ns: int
    end_ns: int
    duration_ns: int
    status: str
    model: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    attributes: str
    input: str | None
    output: str | None
    error: str | None
    input_ref: str | None


def span_row(span: SpanRecord, input_ref: str | None = None) -> SpanRow:
    """The ``spans`` row of a span, for the write path (which bypasses SQLAlchemy's per-row
    parameter processing, so JSON is encoded here, once).

    With ``input_ref`` (the id of a span of the same trace stored with this span's input) the
    input is not encoded: the row names that span instead.
    """
    attributes, error, parent = span.attributes, span.error, span.parent_id
    get = attributes.get
    inp, out = span.input, span.output
    return SpanRow(
        clean_text(span.trace_id),
        clean_text(span.span_id),
        None if parent is None else clean_text(parent),
        clean_text(span.name),
        # The members' values as attributes: the enum's value property costs three times more.
        span.kind._value_,
        span.start_ns,
        span.end_ns,
        span.duration_ns,
        span.status._value_,
        span_model(attributes),
        _int(get(semconv.GEN_AI_USAGE_INPUT_TOKENS)),
        _int(get(semconv.GEN_AI_USAGE_OUTPUT_TOKENS)),
        _number(get(semconv.SF_COST_USD)),
        json_dumps(attributes),
        None if inp is None or input_ref is not None else json_dumps(inp),
        None if out is None else json_dumps(out),
        None
        if error is None
        else json_dumps(
            {"type": error.type, "message": error.message, "traceback": error.traceback}
        ),
        input_ref,
    )


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
