"""Spans come back from the store exactly as they were written, however often they are written."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.store.strategies import span_records

from surefoot.core import SpanRecord, new_trace_id
from surefoot.store import Store

# One store per test, shared by the examples; each example uses a fresh trace id.
_settings = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _in_new_trace(spans: list[SpanRecord]) -> list[SpanRecord]:
    trace_id = new_trace_id()
    return [dataclasses.replace(span, trace_id=trace_id) for span in spans]


@_settings
@given(span=span_records())
def test_any_span_round_trips_exactly(store: Store, span: SpanRecord) -> None:
    """A span with arbitrary JSON attributes, payloads and error reads back equal."""
    (span,) = _in_new_trace([span])
    store.write_spans([span])
    assert store.get_trace(span.trace_id) == [span]


@_settings
@given(
    drawn=st.lists(span_records(), min_size=1, max_size=6, unique_by=lambda s: s.span_id),
    data=st.data(),
)
def test_rewriting_stored_spans_changes_nothing(
    store: Store, drawn: list[SpanRecord], data: st.DataObject
) -> None:
    """Writing any already-stored spans again leaves the spans and the trace summary unchanged."""
    spans = _in_new_trace(drawn)
    trace_id = spans[0].trace_id
    store.write_spans(spans)
    before = (store.get_trace(trace_id), store.get_trace_summary(trace_id))
    store.write_spans(data.draw(st.lists(st.sampled_from(spans), min_size=1, max_size=10)))
    assert (store.get_trace(trace_id), store.get_trace_summary(trace_id)) == before
