"""CallableProvider and ClassifierProvider: Python models behind the provider interface."""

from __future__ import annotations

import dataclasses
import math

import pytest

from surefoot.core import InvalidInput, MalformedResponse, ProviderError, ProviderTimeout
from surefoot.providers import (
    CallableProvider,
    ChatRequest,
    ChatResponse,
    Choice,
    ClassifierProvider,
    EmbeddingRequest,
    ModelRef,
)

REQUEST = ChatRequest(model="py-1", messages=[{"role": "user", "content": "great product"}])


def test_a_string_answer_becomes_a_response() -> None:
    """A handler returning text yields that text, the requested model and finish 'stop'."""
    response = CallableProvider(lambda r: "fine").complete(REQUEST)
    assert (response.content, response.model, response.finish_reason) == ("fine", "py-1", "stop")


def test_a_full_response_is_returned_as_is() -> None:
    """A handler returning a ChatResponse is passed through."""
    made = ChatResponse(id="r", model="py-2", choices=(Choice(0, "x", "stop"),))
    assert CallableProvider(lambda r: made).complete(REQUEST) is made


async def test_async_handlers_are_awaited() -> None:
    """An async handler works through acomplete."""

    async def handler(request: ChatRequest) -> str:
        return "async"

    assert (await CallableProvider(handler).acomplete(REQUEST)).content == "async"


def test_async_handlers_work_from_sync_code() -> None:
    """complete() runs an async handler to completion when no loop is running."""

    async def handler(request: ChatRequest) -> str:
        return "ran"

    assert CallableProvider(handler).complete(REQUEST).content == "ran"


async def test_sync_handlers_work_from_async_code() -> None:
    """acomplete() runs a sync handler off the event loop."""
    assert (await CallableProvider(lambda r: "ok").acomplete(REQUEST)).content == "ok"


def test_handler_errors_become_provider_errors() -> None:
    """Foreign exceptions are wrapped; TimeoutError maps to ProviderTimeout."""

    def broken(request: ChatRequest) -> str:
        raise KeyError("x")

    def slow(request: ChatRequest) -> str:
        raise TimeoutError("slow")

    with pytest.raises(ProviderError, match="KeyError"):
        CallableProvider(broken).complete(REQUEST)
    with pytest.raises(ProviderTimeout):
        CallableProvider(slow).complete(REQUEST)


def test_wrong_return_types_are_malformed() -> None:
    """A handler returning something else raises MalformedResponse."""
    with pytest.raises(MalformedResponse):
        CallableProvider(lambda r: 42).complete(REQUEST)  # type: ignore[arg-type, return-value]


def test_streaming_yields_the_whole_answer_once() -> None:
    """Without native streaming the answer arrives as one finished chunk."""
    chunks = list(CallableProvider(lambda r: "all at once").stream(REQUEST))
    assert [(c.content, c.finish_reason) for c in chunks] == [("all at once", "stop")]


def test_embeddings_are_refused_clearly() -> None:
    """A chat-only provider refuses embeddings with InvalidInput."""
    with pytest.raises(InvalidInput, match="does not serve embeddings"):
        CallableProvider(lambda r: "x").embed(EmbeddingRequest(model="e", input=["a"]))


class _Sentiment:
    """A scikit-learn-shaped estimator: predict_proba over a batch of texts."""

    def predict_proba(self, rows: list[str]) -> list[list[float]]:
        return [[0.1, 0.7, 0.2] if "great" in row else [0.6, 0.2, 0.2] for row in rows]


def test_the_top_label_is_the_answer() -> None:
    """The content is the most probable class label."""
    provider = ClassifierProvider(_Sentiment(), ["neg", "pos", "neutral"], model="sent-2024-05")
    response = provider.complete(REQUEST)
    assert (response.content, response.model) == ("pos", "sent-2024-05")


def test_class_probabilities_ride_in_logprobs() -> None:
    """top_logprobs hold every label's log probability, best first."""
    response = ClassifierProvider(_Sentiment(), ["neg", "pos", "neutral"]).complete(REQUEST)
    logprobs = response.choices[0].logprobs
    assert logprobs is not None
    probabilities = [(t.token, round(math.exp(t.logprob), 6)) for t in logprobs[0].top_logprobs]
    assert probabilities == [("pos", 0.7), ("neutral", 0.2), ("neg", 0.1)]


def test_label_count_mismatch_is_malformed() -> None:
    """Fewer labels than probability columns raises MalformedResponse naming the fix."""
    with pytest.raises(MalformedResponse, match="labels"):
        ClassifierProvider(_Sentiment(), ["neg", "pos"]).complete(REQUEST)


def test_zero_probabilities_stay_finite() -> None:
    """A class with probability 0 gets a very low but finite log probability."""
    response = ClassifierProvider(lambda rows: [[1.0, 0.0]], ["a", "b"]).complete(REQUEST)
    logprobs = response.choices[0].logprobs
    assert logprobs is not None and math.isfinite(logprobs[0].top_logprobs[-1].logprob)


def test_complete_checked_returns_the_pin_check_it_recorded() -> None:
    """complete_checked hands back the served-model check next to the response, made once."""
    choice = Choice(index=0, content="hi", finish_reason="stop")
    provider = CallableProvider(lambda r: ChatResponse(id="r", model="other-1", choices=(choice,)))
    pinned = dataclasses.replace(REQUEST, pin=ModelRef.parse("local:m-1"))
    response, check = provider.complete_checked(pinned)
    assert response.model == "other-1"
    assert (check.matches, check.expected, check.served_model) == (False, "m-1", "other-1")
    assert provider.pins.mismatches == 1


async def test_acomplete_checked_returns_the_pin_check_too() -> None:
    """The async twin returns the same check."""
    provider = CallableProvider(lambda r: "fine")
    response, check = await provider.acomplete_checked(REQUEST)
    assert check.matches and check.served_model == response.model
