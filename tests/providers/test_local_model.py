"""The provider against the real local model (llama.cpp serving Gemma 3 270M)."""

from __future__ import annotations

import json

import pytest

from surefoot.providers import ChatRequest, OpenAICompatibleProvider, ResponseFormat

pytestmark = [pytest.mark.model, pytest.mark.slow]

MESSAGES = [{"role": "user", "content": "Describe a cat as a JSON object with a name."}]


@pytest.fixture(name="provider")
def _provider(model_server: str):
    with OpenAICompatibleProvider(model_server, name="llamacpp", timeout_s=30) as provider:
        yield provider


def _request(**kwargs: object) -> ChatRequest:
    return ChatRequest(model="gemma3-270m", messages=MESSAGES, temperature=0.0, **kwargs)  # type: ignore[arg-type]


def test_json_mode_returns_parseable_json(provider: OpenAICompatibleProvider) -> None:
    """Grammar-constrained JSON mode yields a JSON object when it finishes."""
    # Grammar-constrained sampling costs ~0.1-0.3 s per token on two cores: keep it short.
    response = provider.complete(
        _request(max_tokens=10, response_format=ResponseFormat.json_object())
    )
    if response.finish_reason == "stop":
        assert isinstance(json.loads(response.content), dict)
    else:  # cut by max_tokens: still the start of a JSON object
        assert response.content.lstrip().startswith("{")


def test_streaming_yields_chunks_and_a_finish_reason(provider: OpenAICompatibleProvider) -> None:
    """A stream delivers several chunks and ends with a finish reason."""
    chunks = list(provider.stream(_request(max_tokens=8)))
    assert len(chunks) > 2 and chunks[-1].finish_reason in ("stop", "length")


def test_logprobs_are_offered(provider: OpenAICompatibleProvider) -> None:
    """llama.cpp's server returns per-token logprobs with alternatives when asked."""
    response = provider.complete(_request(max_tokens=4, logprobs=True, top_logprobs=2))
    logprobs = response.choices[0].logprobs
    assert logprobs and len(logprobs[0].top_logprobs) == 2


def test_the_served_model_is_the_pin(provider: OpenAICompatibleProvider) -> None:
    """The server reports gemma3-270m, so the pin check passes."""
    assert provider.complete(_request(max_tokens=2)).model == "gemma3-270m"
    assert provider.pins.mismatches == 0


def test_temperature_zero_is_deterministic(provider: OpenAICompatibleProvider) -> None:
    """Two calls at temperature 0 give the same text."""
    first = provider.complete(_request(max_tokens=12)).content
    assert provider.complete(_request(max_tokens=12)).content == first
