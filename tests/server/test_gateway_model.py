"""The gateway in front of the real local model, read by the official OpenAI SDK."""

from __future__ import annotations

from collections.abc import Callable

import openai
import pytest
from fastapi import FastAPI
from tests.server.conftest import LiveServer

from surefoot.core import Settings
from surefoot.server import create_app
from surefoot.store import Store

pytestmark = [pytest.mark.model, pytest.mark.slow]

PROMPT: list[openai.types.chat.ChatCompletionMessageParam] = [
    {"role": "user", "content": "The capital of France is"}
]


@pytest.fixture(name="url")
def _url(
    model_server: str,
    store_url: str,
    store: Store,
    live_server: Callable[[FastAPI], LiveServer],
) -> str:
    """A live gateway whose alias ``small`` is the local model."""
    models = {"small": {"model": "gemma3-270m", "base_url": model_server, "timeout_s": 30}}
    settings = Settings.load(store={"url": store_url}, server={"auth": "off"}, models=models)
    return f"{live_server(create_app(settings, store=store)).url}/v1"


def test_sync_completion_from_the_model(url: str) -> None:
    """A sync SDK call through the gateway gets the model's text and a serve decision."""
    with openai.OpenAI(base_url=url, api_key="k", max_retries=0) as client:
        raw = client.chat.completions.with_raw_response.create(
            model="small", messages=PROMPT, max_tokens=4, temperature=0
        )
    completion = raw.parse()
    assert completion.choices[0].message.content
    assert completion.model == "gemma3-270m"
    assert raw.headers["x-surefoot-decision"] == "serve"


async def test_async_completion_from_the_model(url: str) -> None:
    """An async SDK call through the gateway gets the model's text."""
    async with openai.AsyncOpenAI(base_url=url, api_key="k", max_retries=0) as client:
        completion = await client.chat.completions.create(
            model="small", messages=PROMPT, max_tokens=4, temperature=0
        )
    assert completion.choices[0].message.content


def test_streamed_completion_from_the_model(url: str) -> None:
    """A streamed SDK call through the gateway yields the model's tokens, then the decision."""
    with openai.OpenAI(base_url=url, api_key="k", max_retries=0) as client:
        stream = client.chat.completions.create(
            model="small", messages=PROMPT, max_tokens=4, temperature=0, stream=True
        )
        chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert (chunks[-1].model_extra or {})["surefoot"]["decision"] == "serve"
