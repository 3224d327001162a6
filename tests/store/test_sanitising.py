"""Values the databases refuse (NUL characters, NaN, infinities) are stored as documented."""

from __future__ import annotations

import dataclasses
import math

from hypothesis import HealthCheck, given, settings
from tests.store.strategies import odd_span_records, sanitised

from surefoot.core import ErrorInfo, SpanRecord, new_trace_id, semconv
from surefoot.store import Store
from surefoot.store._codec import json_dumps

_settings = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def expected(span: SpanRecord) -> SpanRecord:
    error = span.error
    return dataclasses.replace(
        span,
        name=sanitised(span.name),
        attributes=sanitised(span.attributes),
        input=sanitised(span.input),
        output=sanitised(span.output),
        error=None if error is None else ErrorInfo(*map(sanitised, dataclasses.astuple(error))),
    )


@_settings
@given(span=odd_span_records())
def test_nul_and_non_finite_values_are_stored_sanitised(store: Store, span: SpanRecord) -> None:
    """A span with NULs and non-finite floats anywhere is stored, and reads back sanitised."""
    span = dataclasses.replace(span, trace_id=new_trace_id())
    store.write_spans([span])
    assert store.get_trace(span.trace_id) == [expected(span)]


def test_a_nul_in_a_root_name_and_payload_reaches_the_trace_summary(store: Store) -> None:
    """The trace row's name and previews carry U+FFFD where the root span had NULs."""
    span = SpanRecord(new_trace_id(), "1" * 16, "a\x00b", input="in\x00", output={"k\x00": 1})
    store.write_spans([span])
    summary = store.get_trace_summary(span.trace_id)
    assert summary is not None
    assert (summary.name, summary.input_preview) == ("a\ufffdb", "in\ufffd")


def test_non_finite_token_counts_and_cost_stay_out_of_the_totals(store: Store) -> None:
    """NaN cost and infinite token counts add nothing to the trace's totals."""
    attributes = {
        semconv.SF_COST_USD: math.nan,
        semconv.GEN_AI_USAGE_INPUT_TOKENS: math.inf,
        semconv.GEN_AI_USAGE_OUTPUT_TOKENS: 2**70,
    }
    span = SpanRecord(new_trace_id(), "1" * 16, "llm", attributes=attributes)
    store.write_spans([span])
    summary = store.get_trace_summary(span.trace_id)
    assert summary is not None
    assert (summary.cost_usd, summary.input_tokens, summary.output_tokens) == (0.0, 0, 0)


def test_an_escaped_backslash_before_u0000_is_not_taken_for_a_nul() -> None:
    """The text backslash-u0000 (no NUL in it) is encoded unchanged."""
    assert json_dumps(["\\u0000", "\\\x00"]) == '["\\\\u0000","\\\\\\ufffd"]'
