"""``/v1/embeddings`` in front of the real local model (llama.cpp, mean-pooled), via the SDK."""

from __future__ import annotations

import math
from collections.abc import Callable

import openai
import pytest
from fastapi import FastAPI
from tests.server.conftest import LiveServer

from surefoot.core import Settings
from surefoot.server import create_app
from surefoot.store import Store

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_the_sdk_embeds_through_the_gateway(
    embedding_server: str,
    store_url: str,
    store: Store,
    live_server: Callable[[FastAPI], LiveServer],
) -> None:
    """Two texts get two equal-length vectors from the pinned model; the same text, the same."""
    models = {"vec": {"model": "gemma3-270m", "base_url": embedding_server, "timeout_s": 30}}
    settings = Settings.load(store={"url": store_url}, server={"auth": "off"}, models=models)
    url = f"{live_server(create_app(settings, store=store)).url}/v1"
    with openai.OpenAI(base_url=url, api_key="k", max_retries=0) as client:
        raw = client.embeddings.with_raw_response.create(
            model="vec", input=["a cat sat", "a cat sat", "stock prices fell"]
        )
    result = raw.parse()
    first, same, other = (item.embedding for item in result.data)
    assert len(first) == len(other) > 100
    assert first == pytest.approx(same, abs=1e-5)
    assert not math.isclose(sum(a * b for a, b in zip(first, other, strict=True)), 1.0)
    assert raw.headers["x-surefoot-decision"] == "serve"
    assert result.model == "gemma3-270m"
