"""Signals from real spans: recorded through ``surefoot.tracing`` into a store, then read back."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from surefoot import tracing
from surefoot.core import Settings, SpanKind, semconv
from surefoot.monitor import FieldSpec, Schema, SignalWindow, read_window
from surefoot.store import Store

Read = Callable[[], SignalWindow]


@pytest.fixture(name="read")
def _read(
    store: Store, store_url: str, settings_factory: Callable[..., Settings]
) -> Iterator[Read]:
    """Tracing writes into the test store; ``read()`` flushes and returns the stored signals."""
    tracing.init(settings_factory(store={"url": store_url}))

    def read() -> SignalWindow:
        assert tracing.flush()
        return read_window(store, 0, 2**62)

    yield read
    tracing.shutdown()


def _llm(output: str, **attributes: object) -> None:
    with tracing.span("chat", SpanKind.LLM, attributes=attributes) as span:
        span.set_output(output)


def test_output_language_is_a_categorical_signal(read: Read) -> None:
    """English, German and an unreadable answer give ``en``, ``de`` and ``und``."""
    _llm("The parcel was shipped and it will arrive on Monday.")
    _llm("Das Paket ist unterwegs und kommt am Montag an.")
    _llm("42")
    window = read()
    assert sorted(window.columns["output.language"]) == ["de", "en", "und"]
    assert sorted(window.columns["output.language_undetermined"]) == [0.0, 0.0, 1.0]


def test_decisions_give_caveat_fallback_and_escalation_rates(read: Read) -> None:
    """Each decision status raises its own rate; confidence is a number."""
    for status in ("serve_with_caveat", "fallback", "escalate", "serve"):
        attributes = {semconv.SF_DECISION_STATUS: status, semconv.SF_DECISION_CONFIDENCE: 0.4}
        with tracing.span("guard", SpanKind.GUARD, attributes=attributes):
            pass
    window = read()
    assert sum(window.columns["decision.caveat"]) == 1.0  # type: ignore[arg-type]
    assert sum(window.columns["decision.fallback"]) == 1.0  # type: ignore[arg-type]
    assert sum(window.columns["decision.escalated"]) == 1.0  # type: ignore[arg-type]
    assert window.columns["decision.confidence"] == [0.4] * 4


def test_validation_spans_give_the_validator_failure_rate(read: Read) -> None:
    """A failed validator run is 1, a passing one 0."""
    for ok in (True, False, True):
        attributes = {semconv.SF_VALIDATION_NAME: "schema", semconv.SF_VALIDATION_OK: ok}
        with tracing.span("validation", SpanKind.VALIDATION, attributes=attributes):
            pass
    assert sorted(read().columns["validation.failed"]) == [0.0, 0.0, 1.0]


def test_judge_scores_form_a_distribution(read: Read) -> None:
    """Judge scores on any span become the ``judge.score`` numbers."""
    for score in (0.9, 0.2):
        with tracing.span("judge", SpanKind.EVAL, attributes={semconv.SF_JUDGE_SCORE: score}):
            pass
    assert sorted(read().columns["judge.score"]) == [0.2, 0.9]


def test_retrieval_confidence_and_source_freshness(read: Read) -> None:
    """A weak top score is low-confidence; document update times give source ages."""
    day_ago = time.time() - 86_400
    attributes = {
        semconv.SF_RETRIEVAL_SCORES: [0.3, 0.2],
        semconv.SF_RETRIEVAL_DOCUMENTS_UPDATED: [day_ago, day_ago - 86_400],
    }
    with tracing.span("search", SpanKind.RETRIEVAL, attributes=attributes):
        pass
    with tracing.span(
        "search", SpanKind.RETRIEVAL, attributes={semconv.SF_RETRIEVAL_SCORES: [0.9]}
    ):
        pass
    window = read()
    assert sorted(window.columns["retrieval.low_confidence"]) == [0.0, 1.0]
    (age,), (oldest,) = (
        window.columns["retrieval.source_age_s"],
        window.columns["retrieval.source_max_age_s"],
    )
    assert age == pytest.approx(1.5 * 86_400, abs=60)
    assert oldest == pytest.approx(2 * 86_400, abs=60)


def test_tokens_and_prompt_size_add_up_per_request(read: Read) -> None:
    """Two llm calls in one request sum to its tokens, prompt tokens and call count."""
    with tracing.span("answer", SpanKind.REQUEST):
        for prompt, completion in ((1200, 80), (1500, 20)):
            _llm(
                "ok",
                **{
                    semconv.GEN_AI_USAGE_INPUT_TOKENS: prompt,
                    semconv.GEN_AI_USAGE_OUTPUT_TOKENS: completion,
                    semconv.SF_COST_USD: 0.01,
                },
            )
    window = read()
    assert window.columns["request.prompt_tokens"] == [2700.0]
    assert window.columns["request.tokens"] == [2800.0]
    assert window.columns["request.llm_calls"] == [2.0]
    assert window.columns["request.cost_usd"] == [pytest.approx(0.02)]


def test_served_model_mismatch_is_a_rate(read: Read) -> None:
    """A served model differing from its pin counts in ``model.mismatch``."""
    _llm("ok", **{semconv.GEN_AI_RESPONSE_MODEL: "m-2", semconv.SF_MODEL_MISMATCH: True})
    _llm("ok", **{semconv.GEN_AI_RESPONSE_MODEL: "m-1", semconv.SF_MODEL_MISMATCH: False})
    assert sorted(read().columns["model.mismatch"]) == [0.0, 1.0]


def test_input_quality_violations_reach_the_trace_signals(read: Read) -> None:
    """A flagged schema check set on the request span becomes ``quality.<field>.violation``."""
    schema = Schema(
        [
            FieldSpec("plan", "category", allowed=frozenset({"free", "pro"})),
            FieldSpec("age", "integer"),
        ],
        policy="flag",
    )
    for record in ({"plan": "gold", "age": 3}, {"plan": "pro", "age": 4}):
        report = schema.validate_records([record])
        with tracing.span("request", SpanKind.REQUEST) as span:
            span.set_attributes(report.span_attributes(0))
    window = read()
    assert sorted(window.columns["quality.plan.violation"]) == [0.0, 1.0]
    assert window.columns["quality.age.violation"] == [0.0, 0.0]
