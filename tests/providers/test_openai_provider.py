"""OpenAICompatibleProvider against a real server: bodies, parsing, pins, embeddings."""

from __future__ import annotations

import json

import pytest

from surefoot.providers import (
    ChatRequest,
    EmbeddingRequest,
    ModelRef,
    OpenAICompatibleProvider,
    ResponseFormat,
)
from surefoot.testing import Fault, FaultServer

MESSAGES = [{"role": "user", "content": "hello there"}]


@pytest.fixture(name="provider")
def _provider(fault_server: FaultServer):
    with OpenAICompatibleProvider(
        fault_server.base_url, "sk-secret", name="upstream", headers={"x-team": "search"}
    ) as provider:
        yield provider


def test_a_completion_is_parsed(provider: OpenAICompatibleProvider) -> None:
    """Content, finish reason, served model, fingerprint and usage are read from the body."""
    response = provider.complete(ChatRequest(model="m-1", messages=MESSAGES))
    assert (response.content, response.finish_reason, response.model) == (
        "echo: hello there",
        "stop",
        "m-1",
    )
    assert response.system_fingerprint == "fp_surefoot_fault"
    assert (response.usage.input_tokens, response.usage.output_tokens) == (2, 3)


def test_request_parameters_reach_the_server(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """Every set parameter is sent with OpenAI's name; unset ones are left out."""
    request = ChatRequest(
        model="m-1",
        messages=MESSAGES,
        temperature=0.0,
        max_tokens=5,
        stop=["\n"],
        seed=7,
        response_format=ResponseFormat.json_object(),
        extra_body={"user": "u-1"},
    )
    provider.complete(request)
    body = fault_server.requests[-1].body
    assert body is not None
    assert {k: body[k] for k in ("temperature", "max_tokens", "stop", "seed", "user")} == {
        "temperature": 0.0,
        "max_tokens": 5,
        "stop": ["\n"],
        "seed": 7,
        "user": "u-1",
    }
    assert body["response_format"] == {"type": "json_object"} and "top_p" not in body


def test_credentials_and_headers_are_sent(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """The bearer token and extra headers go with every request."""
    provider.complete(ChatRequest(model="m-1", messages=MESSAGES))
    headers = fault_server.requests[-1].headers
    assert headers["authorization"] == "***" and headers["x-team"] == "search"


def test_json_mode_returns_json(provider: OpenAICompatibleProvider) -> None:
    """With response_format json_object the answer parses as JSON."""
    request = ChatRequest(
        model="m-1", messages=MESSAGES, response_format=ResponseFormat.json_object()
    )
    assert json.loads(provider.complete(request).content) == {"answer": "hello there"}


def test_logprobs_are_parsed(provider: OpenAICompatibleProvider) -> None:
    """Per-token logprobs and their alternatives are read when requested."""
    request = ChatRequest(model="m-1", messages=MESSAGES, logprobs=True, top_logprobs=3)
    logprobs = provider.complete(request).choices[0].logprobs
    assert logprobs is not None and len(logprobs) == 3
    assert len(logprobs[0].top_logprobs) == 3 and logprobs[0].logprob < 0


def test_a_silent_upgrade_counts_as_a_mismatch(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """A served id other than the pin is counted; the response is still returned."""
    fault_server.inject(Fault.served_model("m-1-2025-01-01-next"))
    request = ChatRequest(model="m-1-2024-06-01", messages=MESSAGES)
    provider.complete(request)
    assert provider.complete(request).model == "m-1-2024-06-01"
    assert provider.pins.mismatches == 1


def test_a_deployment_name_is_checked_against_its_served_id(
    provider: OpenAICompatibleProvider,
) -> None:
    """With ``=served-id`` the served model, not the requested name, must match."""
    pin = ModelRef.parse("azure:prod-chat=gpt-4o-2024-08-06")
    provider.complete(ChatRequest(model=pin.model, messages=MESSAGES, pin=pin))
    assert provider.pins.mismatches == 1


def test_fingerprint_changes_are_noticed(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """A new system_fingerprint for the same pin is remembered as the last one."""
    request = ChatRequest(model="m-1", messages=MESSAGES)
    provider.complete(request)
    fault_server.inject(Fault.fingerprint("fp_new"))
    provider.complete(request)
    assert provider.pins.last_fingerprint("m-1") == "fp_new" and provider.pins.changes == 1


def test_embeddings_come_back_in_input_order(provider: OpenAICompatibleProvider) -> None:
    """One vector per input, in order, of the asked dimensions."""
    response = provider.embed(EmbeddingRequest(model="e-1", input=["a", "b", "a"], dimensions=4))
    assert len(response.vectors) == 3 and len(response.vectors[0]) == 4
    assert response.vectors[0] == response.vectors[2] != response.vectors[1]


async def test_async_embeddings_match_sync(provider: OpenAICompatibleProvider) -> None:
    """aembed returns the same vectors as embed."""
    request = EmbeddingRequest(model="e-1", input=["x"])
    vectors = (await provider.aembed(request)).vectors
    await provider.aclose()
    assert vectors == provider.embed(request).vectors


def test_a_given_client_is_left_open(fault_server: FaultServer) -> None:
    """A client passed in belongs to the caller and survives the provider's close."""
    import httpx

    with httpx.Client() as client:
        with OpenAICompatibleProvider(fault_server.base_url, http_client=client) as provider:
            provider.complete(ChatRequest(model="m-1", messages=MESSAGES))
        assert not client.is_closed
