"""Hypothesis strategies for store records."""

from __future__ import annotations

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
