"""Spans become signal values: output format, refusals, model, retrieval, latency, decisions."""

from __future__ import annotations

import numpy as np
from tests.monitor.spans import Traffic, request_spans

from surefoot.core import SpanKind, SpanRecord, SpanStatus, semconv
from surefoot.monitor import (
    Bins,
    FieldProfile,
    FieldVerdict,
    Profile,
    VerdictStatus,
    drift_report,
    extract_signals,
)

TRACE = "a" * 32


def _llm(output: object, **attributes: object) -> SpanRecord:
    return SpanRecord(TRACE, "b" * 16, "chat", SpanKind.LLM, output=output, attributes=attributes)


def test_json_validity_accepts_fenced_json_and_rejects_prose() -> None:
    """Fenced JSON counts as valid; prose around JSON does not."""
    window = extract_signals([_llm('```json\n{"a": 1}\n```'), _llm('Here: {"a": 1}')])
    assert window.columns["output.json_valid"] == [1.0, 0.0]


def test_refusal_and_caveat_are_flagged() -> None:
    """A refusal and a hedge each raise their own signal."""
    window = extract_signals(
        [_llm("I can't help with that."), _llm("I'm not sure, please verify.")]
    )
    assert window.columns["output.refusal"] == [1.0, 0.0]
    assert window.columns["output.caveat"] == [0.0, 1.0]


def test_model_mismatch_and_served_model_are_read() -> None:
    """The served model is a categorical signal; the mismatch flag a rate."""
    span = _llm("ok", **{semconv.GEN_AI_RESPONSE_MODEL: "m-2", semconv.SF_MODEL_MISMATCH: True})
    window = extract_signals([span])
    assert window.columns["model.served"] == ["m-2"]
    assert window.columns["model.mismatch"] == [1.0]


def test_empty_retrieval_is_its_own_rate() -> None:
    """A retrieval span without scores counts as empty and adds no score."""
    span = SpanRecord(TRACE, "c" * 16, "search", SpanKind.RETRIEVAL, attributes={})
    window = extract_signals([span])
    assert window.columns["retrieval.empty"] == [1.0]
    assert "retrieval.top_score" not in window.columns


def test_decisions_give_fallback_and_validator_rates() -> None:
    """Decision attributes become fallback, caveat and validator-failure rates."""
    span = SpanRecord(
        TRACE, "d" * 16, "guard", SpanKind.GUARD,
        attributes={
            semconv.SF_DECISION_STATUS: "fallback",
            semconv.SF_DECISION_REASONS: ["validation_failed:schema"],
        },
    )  # fmt: skip
    window = extract_signals([span])
    assert window.columns["decision.fallback"] == [1.0]
    assert window.columns["decision.validator_failed"] == [1.0]


def test_errored_llm_span_counts_an_error_and_no_output() -> None:
    """An llm span that failed adds to the error rate but not to output signals."""
    span = SpanRecord(TRACE, "e" * 16, "chat", SpanKind.LLM, status=SpanStatus.ERROR)
    window = extract_signals([span])
    assert window.columns["llm.error"] == [1.0]
    assert "output.length" not in window.columns


def test_signals_keep_example_trace_ids() -> None:
    """Each signal keeps the trace ids it came from, to link alerts to evidence."""
    spans = request_spans(np.random.default_rng(0), 0, Traffic())
    window = extract_signals(spans)
    assert window.trace_ids["retrieval.top_score"] == [spans[0].trace_id]
    assert window.columns["request.latency_ms"][0] != 0.0


def test_prompt_inflation_drifts_the_prompt_tokens_per_request() -> None:
    """Prompts growing by a third per request are drift on ``request.prompt_tokens``."""
    rng = np.random.default_rng(3)

    def window(mean: float) -> list[float | str]:
        spans = [
            SpanRecord(
                f"{i:032x}", f"{i:016x}", "chat", SpanKind.LLM, output="ok",
                attributes={semconv.GEN_AI_USAGE_INPUT_TOKENS: int(rng.normal(mean, 50))},
            )
            for i in range(200)
        ]  # fmt: skip
        return extract_signals(spans).columns["request.prompt_tokens"]

    reference, stable, inflated = window(900), window(900), window(1200)
    bins = Bins.numeric(reference)
    ref = FieldProfile(bins).update(reference)
    report = drift_report_of(ref, FieldProfile(bins).update(stable))
    assert report.status is VerdictStatus.NO_DRIFT
    assert drift_report_of(ref, FieldProfile(bins).update(inflated)).status is VerdictStatus.DRIFT


def drift_report_of(reference: FieldProfile, current: FieldProfile) -> FieldVerdict:
    """One field's verdict, corrected as a report of one field."""
    return drift_report(_one(reference), _one(current))["x"]


def _one(profile: FieldProfile) -> Profile:
    out = Profile({"x": profile.bins})
    out["x"].__iadd__(profile)
    return out
