"""Streamed chat completions through the gateway, read by the official OpenAI SDK."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import openai
import pytest
from fastapi import FastAPI
from tests.server.conftest import LiveServer

from surefoot.core import Settings
from surefoot.guard import Guard, StopAfterAttempts, WaitFixed
from surefoot.providers import OpenAICompatibleProvider
from surefoot.server import create_app
from surefoot.store import Store
from surefoot.testing import Fault, FaultServer

MESSAGES: list[openai.types.chat.ChatCompletionMessageParam] = [
    {"role": "user", "content": "stream this answer"}
]


@pytest.fixture(name="upstream")
def _upstream() -> Iterator[FaultServer]:
    """A fault-injecting upstream."""
    with FaultServer() as server:
        yield server


@pytest.fixture(name="url")
def _url(
    settings: Settings,
    store: Store,
    upstream: FaultServer,
    live_server: Callable[[FastAPI], LiveServer],
) -> str:
    """The ``/v1`` root of a live gateway in front of ``upstream``."""
    provider = OpenAICompatibleProvider(upstream.base_url, "sk-up", name="fault")
    guard = Guard([provider], stop=StopAfterAttempts(2), wait=WaitFixed(0), deadline_s=5)
    return f"{live_server(create_app(settings, store=store, guard=guard)).url}/v1"


def test_sync_stream_yields_the_whole_answer(url: str) -> None:
    """The SDK's sync stream joins to the upstream's answer and ends with the decision."""
    with openai.OpenAI(base_url=url, api_key="k", max_retries=0) as client:
        chunks = list(client.chat.completions.create(model="m", messages=MESSAGES, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: stream this answer"
    assert (chunks[-1].model_extra or {})["surefoot"]["decision"] == "serve"


def test_with_include_usage_the_usage_chunk_is_last_and_carries_the_decision(url: str) -> None:
    """As OpenAI streams it: the usage arrives on the last chunk, with no choices; the
    decision rides on that chunk rather than following it."""
    with openai.OpenAI(base_url=url, api_key="k", max_retries=0) as client:
        chunks = list(
            client.chat.completions.create(
                model="m", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
            )
        )
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None and last.usage.completion_tokens > 0
    assert (last.model_extra or {})["surefoot"]["decision"] == "serve"
    assert all(c.usage is None for c in chunks[:-1])


def test_streamed_chunks_carry_logprobs_when_asked(url: str) -> None:
    """Each text chunk brings its tokens' log probabilities, as OpenAI's stream does."""
    with openai.OpenAI(base_url=url, api_key="k", max_retries=0) as client:
        chunks = list(
            client.chat.completions.create(model="m", messages=MESSAGES, stream=True, logprobs=True)
        )
    texts = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert texts and all(c.choices[0].logprobs is not None for c in texts)
    tokens = [t.token for c in texts for t in (c.choices[0].logprobs.content or [])]  # type: ignore[union-attr]
    assert "".join(tokens) == "echo: stream this answer"


async def test_async_stream_yields_the_whole_answer(url: str) -> None:
    """The SDK's async stream joins to the upstream's answer."""
    async with openai.AsyncOpenAI(base_url=url, api_key="k", max_retries=0) as client:
        stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == "echo: stream this answer"


def test_failure_before_the_first_token_is_retried_invisibly(
    url: str, upstream: FaultServer
) -> None:
    """A 500 before any text is retried by the guard; the client sees one clean stream."""
    upstream.inject(Fault.server_error())
    with openai.OpenAI(base_url=url, api_key="k", max_retries=0) as client:
        chunks = list(client.chat.completions.create(model="m", messages=MESSAGES, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert upstream.count() == 2


def test_cut_after_the_first_token_ends_with_an_error_not_done(
    url: str, upstream: FaultServer
) -> None:
    """An upstream cut mid-answer makes the SDK raise instead of returning a cut answer."""
    upstream.inject(Fault.cut_stream(after_chunks=2))
    received: list[str] = []
    with (
        openai.OpenAI(base_url=url, api_key="k", max_retries=0) as client,
        pytest.raises(openai.APIError, match="stream was interrupted"),
    ):
        stream = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        # extend() keeps what arrived before the error is raised.
        received.extend(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert "".join(received)


def test_refusal_before_any_token_has_an_error_status(url: str, upstream: FaultServer) -> None:
    """When every attempt fails before text, the stream request gets a 503, not a 200."""
    upstream.inject(Fault.unavailable(), times=2)
    with (
        openai.OpenAI(base_url=url, api_key="k", max_retries=0) as client,
        pytest.raises(openai.APIStatusError) as caught,
    ):
        client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    assert caught.value.status_code == 503
