"""Confidence scorers, their weighted combination, and routing by score."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.guard._helpers import request, scripted

from surefoot.core import DecisionStatus, FakeClock
from surefoot.guard import (
    ClassifierMargin,
    Guard,
    InMemoryEscalationSink,
    LowConfidence,
    RetrievalSupport,
    RoutingPolicy,
    ScoreInput,
    SelfConsistency,
    StaticMessage,
    TokenProbability,
    ValidationResult,
    ValidatorOutcome,
    combine,
)
from surefoot.providers import ChatResponse, Choice, TokenLogprob, TopLogprob


def _with_logprobs(*probs: float, top: tuple[float, ...] = ()) -> ChatResponse:
    alts = tuple(TopLogprob(str(i), math.log(p)) for i, p in enumerate(top))
    tokens = tuple(TokenLogprob("t", math.log(p), alts) for p in probs)
    choice = Choice(index=0, content="answer", finish_reason="stop", logprobs=tokens)
    return ChatResponse(id="r", model="m-1", choices=(choice,))


def _choices(*texts: str) -> ChatResponse:
    choices = tuple(Choice(index=i, content=t, finish_reason="stop") for i, t in enumerate(texts))
    return ChatResponse(id="r", model="m-1", choices=choices)


def test_token_probability_mean_and_min() -> None:
    """Mean and minimum token probability come from the logprobs."""
    item = ScoreInput("answer", _with_logprobs(0.9, 0.5))
    assert TokenProbability()(item) == pytest.approx(0.7)
    assert TokenProbability("min")(item) == pytest.approx(0.5)
    assert TokenProbability()(ScoreInput("answer")) is None


def test_classifier_margin_is_top1_minus_top2() -> None:
    """The margin is the gap between the two most likely first tokens."""
    item = ScoreInput("yes", _with_logprobs(0.7, top=(0.7, 0.2, 0.1)))
    assert ClassifierMargin()(item) == pytest.approx(0.5)


def test_self_consistency_is_the_agreement_rate() -> None:
    """Three of four normalised samples agreeing scores 0.75."""
    item = ScoreInput("Paris", _choices("Paris", "paris.", " PARIS", "Lyon"))
    assert SelfConsistency()(item) == pytest.approx(0.75)


def test_retrieval_support_uses_overlap_or_given_scores() -> None:
    """Support is word overlap with passages, or the retriever's best score when given."""
    item = ScoreInput("Oslo is the capital of Norway", passages=("Oslo capital Norway",))
    assert RetrievalSupport()(item) == pytest.approx(3 / 4)  # oslo, the, capital, norway
    assert RetrievalSupport()(ScoreInput("x", passage_scores=(0.2, 0.9))) == 0.9


def test_validator_outcome_scores_pass_and_fail() -> None:
    """A passed validation scores 1, a failed one the configured failure score."""
    passed = ScoreInput("x", validation=ValidationResult(ok=True, name="v"))
    failed = ScoreInput("x", validation=ValidationResult(ok=False, name="v"))
    assert ValidatorOutcome()(passed) == 1.0
    assert ValidatorOutcome(0.2)(failed) == 0.2


@given(st.lists(st.tuples(st.floats(0.01, 10), st.one_of(st.none(), st.floats(0, 1)))))
def test_combined_score_lies_between_the_scores(pairs: list[tuple[float, float | None]]) -> None:
    """The weighted mean is within the range of the scorers that spoke."""
    score = combine(pairs)
    spoken = [s for _, s in pairs if s is not None]
    if not spoken:
        assert score is None
    else:
        assert score is not None
        assert min(spoken) - 1e-9 <= score <= max(spoken) + 1e-9


def test_medium_confidence_serves_with_a_caveat() -> None:
    """A score between the thresholds is served with the caveat text."""
    clock = FakeClock()
    provider, _ = scripted(clock, _with_logprobs(0.6))
    routing = RoutingPolicy(serve_at=0.8, caveat_at=0.5, caveat="check this")
    guard = Guard([provider], scorers=[TokenProbability()], routing=routing, clock=clock)
    result = guard.complete(request())
    assert result.decision.status is DecisionStatus.SERVE_WITH_CAVEAT
    assert result.decision.caveat == "check this"
    assert result.decision.confidence == pytest.approx(0.6)


def test_low_confidence_falls_back() -> None:
    """Below the caveat threshold the chain moves to the next fallback."""
    clock = FakeClock()
    provider, _ = scripted(clock, _with_logprobs(0.1))
    guard = Guard(
        [provider], scorers=[TokenProbability()], fallbacks=[StaticMessage("s")], clock=clock
    )
    result = guard.complete(request())
    assert result.decision.status is DecisionStatus.FALLBACK
    assert "confidence_low" in result.decision.reasons


def test_a_refusal_after_a_low_confidence_answer_says_it_scored_too_low() -> None:
    """With no fallback left the refusal's error gives the score that sent the answer away."""
    clock = FakeClock()
    provider, _ = scripted(clock, _with_logprobs(0.1), name="primary")
    result = Guard([provider], scorers=[TokenProbability()], clock=clock).complete(request())
    assert result.decision.status is DecisionStatus.REFUSED
    assert result.error is not None
    assert result.error.message == (
        "the answer of upstream 'primary' was not good enough to serve "
        "(confidence:0.100, confidence_low)"
    )


def test_a_scorer_that_reads_logprobs_makes_every_attempt_ask_for_them() -> None:
    """The caller need not know which scorers run: the guard asks for what they read."""
    clock = FakeClock()
    provider, script = scripted(clock, _with_logprobs(0.9))
    Guard([provider], scorers=[ClassifierMargin()], clock=clock).complete(request())
    (sent,) = script.requests
    assert (sent.logprobs, sent.top_logprobs) == (True, 2)


def test_without_such_a_scorer_requests_go_as_the_caller_made_them() -> None:
    """No scorer reads log probabilities: the provider is not asked for them."""
    clock = FakeClock()
    provider, script = scripted(clock, "answer")
    Guard([provider], scorers=[ValidatorOutcome()], clock=clock).complete(request())
    (sent,) = script.requests
    assert (sent.logprobs, sent.top_logprobs) == (False, None)


def test_low_confidence_escalates_when_configured() -> None:
    """With low=ESCALATE a weak answer goes to the escalation sink."""
    clock = FakeClock()
    provider, _ = scripted(clock, _with_logprobs(0.1))
    sink = InMemoryEscalationSink()
    routing = RoutingPolicy(low=LowConfidence.ESCALATE)
    guard = Guard(
        [provider], scorers=[TokenProbability()], routing=routing, escalation=sink, clock=clock
    )
    result = guard.complete(request())
    assert result.decision.status is DecisionStatus.ESCALATE
    assert len(sink.items) == 1


def test_a_broken_scorer_does_not_fail_the_request() -> None:
    """A scorer that raises is skipped with a reason."""
    clock = FakeClock()
    provider, _ = scripted(clock, "fine")

    def broken(item: ScoreInput) -> float:
        raise ZeroDivisionError

    result = Guard([provider], scorers=[broken], clock=clock).complete(request())
    assert result.decision.status is DecisionStatus.SERVE
    assert any(r.startswith("scorer_failed") for r in result.decision.reasons)
