"""The guard in front of the real local model (llama.cpp serving Gemma 3 270M)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from surefoot.core import DecisionStatus
from surefoot.guard import (
    Guard,
    JsonValid,
    OnFail,
    RoutingPolicy,
    StaticMessage,
    TokenProbability,
    Upstream,
    ValidationPolicy,
)
from surefoot.providers import ChatRequest, OpenAICompatibleProvider, ResponseFormat

pytestmark = [pytest.mark.model, pytest.mark.slow]

FALLBACK = "Please try again shortly."


@pytest.fixture(name="provider")
def _provider(model_server: str) -> Iterator[OpenAICompatibleProvider]:
    with OpenAICompatibleProvider(model_server, name="llamacpp", timeout_s=30) as provider:
        yield provider


def _request(content: str, **kwargs: object) -> ChatRequest:
    messages = [{"role": "user", "content": content}]
    return ChatRequest(model="gemma3-270m", messages=messages, temperature=0.0, **kwargs)  # type: ignore[arg-type]


def test_json_mode_answer_is_validated_or_replaced(provider: OpenAICompatibleProvider) -> None:
    """A JSON-mode answer is served only when it parses; otherwise the fallback answers."""
    guard = Guard(
        [Upstream(provider, model="gemma3-270m", timeout_s=30)],
        fallbacks=[StaticMessage(FALLBACK)],
        validation=[ValidationPolicy(JsonValid(), on_fail=OnFail.FALLBACK)],
        deadline_s=60,
    )
    request = _request(
        "A cat as JSON.", max_tokens=12, response_format=ResponseFormat.json_object()
    )
    result = guard.complete(request)
    if result.decision.status is DecisionStatus.SERVE:
        assert isinstance(json.loads(result.content), dict)
    else:
        assert (result.decision.status, result.content) == (DecisionStatus.FALLBACK, FALLBACK)
        assert any("validation_failed" in r for r in result.decision.reasons)


def test_logprobs_give_a_confidence_that_routes(provider: OpenAICompatibleProvider) -> None:
    """Real token logprobs become a confidence in [0, 1] recorded on the decision."""
    guard = Guard(
        [Upstream(provider, model="gemma3-270m", timeout_s=30)],
        fallbacks=[StaticMessage(FALLBACK)],
        scorers=[TokenProbability()],
        routing=RoutingPolicy(serve_at=0.99, caveat_at=0.0, caveat="Unverified."),
        deadline_s=60,
    )
    # llama.cpp's server sends logprobs only when top_logprobs is set, unlike OpenAI's API.
    request = _request("The capital of France is", max_tokens=4, logprobs=True, top_logprobs=1)
    result = guard.complete(request)
    assert result.decision.confidence is not None
    assert 0.0 <= result.decision.confidence <= 1.0
    assert result.decision.status in (DecisionStatus.SERVE, DecisionStatus.SERVE_WITH_CAVEAT)


def test_stream_through_the_guard_is_served(provider: OpenAICompatibleProvider) -> None:
    """Streaming from the real server through the guard yields text and a serve decision."""
    guard = Guard([Upstream(provider, model="gemma3-270m", timeout_s=30)], deadline_s=60)
    stream = guard.stream(_request("Once upon a time", max_tokens=8))
    text = "".join(chunk.content for chunk in stream)
    assert text
    assert stream.result is not None
    assert stream.result.decision.status is DecisionStatus.SERVE


def test_real_latency_beyond_the_deadline_falls_back_in_time(
    provider: OpenAICompatibleProvider,
) -> None:
    """A deadline shorter than the model needs ends in the fallback, within the deadline."""
    guard = Guard(
        [Upstream(provider, model="gemma3-270m", timeout_s=30)],
        fallbacks=[StaticMessage(FALLBACK)],
        deadline_s=0.05,
    )
    began = time.monotonic()
    # Far longer than the deadline, yet short: the server (one request at a time) goes on
    # generating after the guard gives up, and the next test's call waits behind it.
    result = guard.complete(_request("Write a long story about a dragon.", max_tokens=48))
    elapsed = time.monotonic() - began
    assert result.decision.status is DecisionStatus.FALLBACK
    assert result.content == FALLBACK
    assert elapsed < 0.05 + 0.25  # scheduling slack on a shared two-core machine
