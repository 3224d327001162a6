"""Hypothesis strategies for store records."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from surefoot.core import ErrorInfo, SpanKind, SpanRecord, SpanStatus

# PostgreSQL text and JSONB cannot hold NUL; surrogates are not valid UTF-8 anywhere.
text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
# JSONB stores numbers as numeric: keep floats where float -> numeric -> float is exact enough
# to compare equal, and ints within what JSON peers (and SQLite's integers) keep exactly.
numbers = st.integers(-(2**53), 2**53) | st.floats(
    min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False
)
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | numbers | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=12,
)
ids = st.integers(1, 2**64 - 1)
times = st.integers(0, 2**62)


@st.composite
def span_records(draw: st.DrawFn, trace_id: str | None = None) -> SpanRecord:
    """A span with arbitrary JSON attributes, payloads and error."""
    start = draw(times)
    return SpanRecord(
        trace_id=trace_id or f"{draw(st.integers(1, 2**128 - 1)):032x}",
        span_id=f"{draw(ids):016x}",
        name=draw(text),
        kind=draw(st.sampled_from(SpanKind)),
        parent_id=draw(st.none() | ids.map(lambda i: f"{i:016x}")),
        start_ns=start,
        end_ns=start + draw(st.integers(0, 10**12)),
        status=draw(st.sampled_from(SpanStatus)),
        attributes=draw(st.dictionaries(text, json_values, max_size=6)),
        input=draw(json_values),
        output=draw(json_values),
        error=draw(st.none() | st.builds(ErrorInfo, text, text, text)),
    )


# Values the store sanitises (docs/store.md): text with NULs, floats including NaN and infinities.
odd_text = st.text(
    st.characters(codec="utf-8") | st.just("\x00") | st.sampled_from("\\u0"), max_size=20
)
odd_json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | numbers
    | st.sampled_from([math.nan, math.inf, -math.inf])
    | odd_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(odd_text, children, max_size=4)
    ),
    max_leaves=12,
)


def sanitised(value: Any) -> Any:
    """What the store makes of ``value``: NUL -> U+FFFD, non-finite floats -> strings."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {sanitised(k): sanitised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [sanitised(v) for v in value]
    return value


@st.composite
def odd_span_records(draw: st.DrawFn) -> SpanRecord:
    """A span whose name, attributes, payloads and error hold NULs and non-finite floats."""
    span = draw(span_records())
    return SpanRecord(
        trace_id=span.trace_id,
        span_id=span.span_id,
        name=draw(odd_text),
        kind=span.kind,
        parent_id=span.parent_id,
        start_ns=span.start_ns,
        end_ns=span.end_ns,
        status=span.status,
        attributes=draw(st.dictionaries(odd_text, odd_json_values, max_size=6)),
        input=draw(odd_json_values),
        output=draw(odd_json_values),
        error=draw(st.none() | st.builds(ErrorInfo, odd_text, odd_text, odd_text)),
    )
