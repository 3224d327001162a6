"""Head sampling keeps a share of traces, and always keeps errors and non-serve decisions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from tests.tracing.strategies import hex32

from surefoot import tracing
from surefoot.core import (
    Decision,
    DecisionStatus,
    FakeClock,
    SpanRecord,
    SpanStatus,
    new_trace_id,
    semconv,
)
from surefoot.tracing import TraceSampler, sampled_in

OUT = "f" * 32  # sampled out at any rate below 1
IN = "0" * 31 + "1"  # sampled in at any rate above 0


def span(trace_id: str, span_id: str, parent: str | None, **fields) -> SpanRecord:
    return SpanRecord(trace_id, span_id, span_id, parent_id=parent, **fields)


@given(hex32, st.floats(0, 1))
def test_decision_is_a_pure_function_of_the_trace_id(trace_id: str, rate: float) -> None:
    """The same trace id always gets the same decision at the same rate."""
    assert sampled_in(trace_id, rate) == sampled_in(trace_id, rate)


@given(hex32, st.floats(0, 1), st.floats(0, 1))
def test_a_trace_kept_at_a_rate_is_kept_at_any_higher_rate(trace_id, a, b) -> None:
    """Raising the rate never drops a trace that a lower rate kept."""
    low, high = sorted((a, b))
    assert not sampled_in(trace_id, low) or sampled_in(trace_id, high)


@given(hex32, hex32, st.floats(0, 1))
def test_decision_reads_only_the_rightmost_56_bits(a: str, b: str, rate: float) -> None:
    """Two ids with the same rightmost 14 hex digits get the same decision: the time prefix of
    surefoot's own ids never sways it."""
    assert sampled_in(a[:18] + b[18:], rate) == sampled_in(b, rate)


def test_kept_share_is_close_to_the_rate() -> None:
    """About ``rate`` of random traces are sampled in."""
    kept = sum(sampled_in(new_trace_id(), 0.25) for _ in range(20_000))
    assert 0.23 < kept / 20_000 < 0.27


def test_sampled_out_trace_is_held_until_its_root_then_dropped() -> None:
    """Spans of a sampled-out trace wait for the root, then are dropped and counted."""
    sampler = TraceSampler(0.5, FakeClock())
    assert sampler.offer([span(OUT, "c", "r")]) == []
    assert sampler.held == 1
    assert sampler.offer([span(OUT, "r", None)]) == []
    assert (sampler.held, sampler.dropped) == (0, 2)


def test_error_anywhere_rescues_the_whole_trace() -> None:
    """A failed child keeps every span of a sampled-out trace, marked with the reason."""
    sampler = TraceSampler(0.0, FakeClock())
    sampler.offer([span(OUT, "c", "r", status=SpanStatus.ERROR), span(OUT, "d", "r")])
    kept = sampler.offer([span(OUT, "r", None)])
    assert [s.span_id for s in kept] == ["c", "d", "r"]
    assert {s.attributes[semconv.SF_SAMPLED_REASON] for s in kept} == {"error"}


def test_non_serve_decision_rescues_the_trace() -> None:
    """A decision other than serve keeps the trace; serve does not."""
    sampler = TraceSampler(0.0, FakeClock())
    escalate = {semconv.SF_DECISION_STATUS: DecisionStatus.ESCALATE.value}
    serve = {semconv.SF_DECISION_STATUS: DecisionStatus.SERVE.value}
    assert sampler.offer([span(OUT, "r", None, attributes=escalate)])
    assert not sampler.offer([span("e" * 32, "r", None, attributes=serve)])


def test_sampled_in_traces_pass_straight_through() -> None:
    """Spans of a sampled-in trace are never held."""
    sampler = TraceSampler(0.5, FakeClock())
    assert len(sampler.offer([span(IN, "c", "r")])) == 1


def test_held_spans_are_bounded_in_number() -> None:
    """Past max_held_spans the oldest trace is decided early, keeping memory bounded."""
    sampler = TraceSampler(0.0, FakeClock(), max_held_spans=10)
    for i in range(100):
        sampler.offer([span(f"{i + 1:032x}", "c", "r")])
        assert sampler.held <= 10
    assert sampler.dropped == 90


def test_held_spans_are_bounded_in_time() -> None:
    """A trace whose root never ends is decided after hold_s."""
    clock = FakeClock()
    sampler = TraceSampler(0.0, clock, hold_s=5.0)
    sampler.offer([span(OUT, "c", "r", status=SpanStatus.ERROR)])
    clock.advance(6.0)
    assert [s.span_id for s in sampler.offer([])] == ["c"]


def test_late_span_after_root_follows_the_decision() -> None:
    """A span ending after its root is dropped with a dropped trace, kept if it failed."""
    sampler = TraceSampler(0.0, FakeClock())
    sampler.offer([span(OUT, "r", None)])
    assert sampler.offer([span(OUT, "late", "r")]) == []
    assert sampler.offer([span(OUT, "late2", "r", status=SpanStatus.ERROR)])


def test_recorder_keeps_decided_traces_at_rate_zero(settings_factory, sink) -> None:
    """With sample_rate 0 only traces with an error or a non-serve decision are written."""
    tracing.init(settings_factory(tracing={"sample_rate": 0.0}), sink=sink)
    with tracing.span("plain"):
        pass
    with tracing.span("escalated") as sp:
        tracing.record_decision(sp, Decision(DecisionStatus.ESCALATE, reasons=("low",)))
    assert tracing.flush()
    assert [s.name for s in sink.spans] == ["escalated"]
    assert tracing.stats().dropped_sampled == 1
