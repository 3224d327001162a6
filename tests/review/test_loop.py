"""Closing the loop: escalations, rejections and corrections become deduplicated cases;
feedback joins traces."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surefoot.core import (
    CaseOrigin,
    CaseStatus,
    Decision,
    DecisionStatus,
    FeedbackSource,
    InvalidInput,
    ReviewOrigin,
    SpanKind,
    SpanRecord,
    SpanStatus,
    new_span_id,
    new_trace_id,
)
from surefoot.guard import EscalationItem, EscalationSink
from surefoot.providers import ChatRequest
from surefoot.review import (
    CaseCollector,
    FeedbackLog,
    ReviewQueue,
    ReviewQueueSink,
    jaccard,
    normalise,
    shingles,
)
from surefoot.store import Store


def test_escalations_reach_the_queue_and_become_cases(queue: ReviewQueue) -> None:
    """The guard's escalation sink queues the item with context and seeds a candidate case."""
    sink = ReviewQueueSink(queue)
    assert isinstance(sink, EscalationSink)
    trace_id = new_trace_id()
    request = ChatRequest(model="m", messages=[{"role": "user", "content": "cancel order 17"}])
    decision = Decision(DecisionStatus.ESCALATE, confidence=0.2, reasons=("low_confidence",))
    sink.submit(EscalationItem(request, None, "sure, done", decision, trace_id))
    [item] = queue.items()
    assert item.origin is ReviewOrigin.ESCALATION and item.trace_id == trace_id
    assert item.payload["output"] == "sure, done"
    [case] = queue.cases.cases()
    assert case.origin is CaseOrigin.PRODUCTION_FAILURE and case.trace_id == trace_id


def test_correction_becomes_the_expected_output(queue: ReviewQueue) -> None:
    """A corrected sample becomes a review case whose expected output is the correction."""
    item = queue.submit(ReviewOrigin.SAMPLE, "check", {"input": "2+2?", "output": "5"})
    queue.claim("alice")
    queue.correct(item.item_id, "alice", "4")
    [case] = queue.cases.cases()
    assert (case.input, case.expected, case.origin) == ("2+2?", "4", CaseOrigin.REVIEW)


def test_near_duplicates_fold_into_one_case(store: Store) -> None:
    """Inputs differing only in numbers, case and punctuation are one case; others are not."""
    cases = CaseCollector(store, near_duplicate=0.8)
    first, new = cases.add("Please refund order 4521 for customer Bob today")
    assert new
    assert cases.add("please refund order #9913 for customer Bob today!") == (first, False)
    assert cases.add("Where is my parcel? It was due yesterday")[1]
    assert len(cases.cases()) == 2


def test_promote_and_export_jsonl(store: Store) -> None:
    """Promoted cases are exported as JSON lines; unknown ids are refused."""
    cases = CaseCollector(store)
    case_id, _ = cases.add("hello there general", "hi")
    cases.promote(case_id)
    out = io.StringIO()
    assert cases.export_jsonl(out, CaseStatus.PROMOTED) == 1
    row = json.loads(out.getvalue())
    assert (row["id"], row["expected"], row["status"]) == (case_id, "hi", "promoted")
    with pytest.raises(InvalidInput, match="no case"):
        cases.promote("missing")


def test_feedback_for_an_unknown_trace_is_refused(store: Store) -> None:
    """Feedback must name a stored trace."""
    with pytest.raises(InvalidInput, match="unknown trace"):
        FeedbackLog(store).record(new_trace_id(), 1.0)


def test_feedback_and_late_labels_join_the_trace(store: Store) -> None:
    """User feedback and a late ground-truth label are read back with the trace."""
    trace_id = new_trace_id()
    span = SpanRecord(
        trace_id=trace_id,
        span_id=new_span_id(),
        parent_id=None,
        name="req",
        kind=SpanKind.REQUEST,
        start_ns=1,
        end_ns=2,
        status=SpanStatus.OK,
    )
    store.write_spans([span])
    log = FeedbackLog(store)
    log.record(trace_id, 0.0, author="u1")
    log.label(trace_id, "fraud")
    got = log.for_trace(trace_id)
    assert [(f.source, f.value) for f in got] == [
        (FeedbackSource.USER, 0.0),
        (FeedbackSource.GROUND_TRUTH, "fraud"),
    ]


@given(st.text(max_size=60), st.text(max_size=60))
def test_jaccard_is_symmetric_and_bounded(a: str, b: str) -> None:
    """Shingle similarity is symmetric, in [0, 1], and 1 for a text with itself."""
    sa, sb = shingles(normalise(a)), shingles(normalise(b))
    assert jaccard(sa, sb) == jaccard(sb, sa)
    assert 0.0 <= jaccard(sa, sb) <= 1.0
    assert jaccard(sa, sa) == 1.0
