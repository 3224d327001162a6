"""``/v1/embeddings``: OpenAI's SDK answered through an alias's upstreams with its protections."""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable, Iterator
from typing import Any

import openai
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.server.conftest import LOOPBACK_CLIENT, LiveServer

from surefoot.core import Settings, SpanKind
from surefoot.core import semconv as sc
from surefoot.server import create_app
from surefoot.store import Store
from surefoot.testing import Fault, FaultServer, capture_traces


def _models(primary: FaultServer, backup: FaultServer, **embed: Any) -> dict[str, Any]:
    return {
        "embed": {
            "model": "text-embedding-3-small",
            "base_url": primary.base_url,
            "max_attempts": 2,
            "retry_wait_s": 0,
            "timeout_s": 0.5,
            "fallbacks": ["embed-backup"],
            **embed,
        },
        "embed-backup": {"model": "minilm", "base_url": backup.base_url, "max_attempts": 1},
    }


@pytest.fixture(name="start")
def _start(
    store: Store,
    live_server: Callable[[FastAPI], LiveServer],
    primary: FaultServer,
    backup: FaultServer,
) -> Iterator[Callable[..., openai.OpenAI]]:
    """Start a gateway with the embed aliases; returns an OpenAI client of it."""
    clients: list[openai.OpenAI] = []

    def start(**embed: Any) -> openai.OpenAI:
        settings = Settings.load(
            store={"url": str(store.engine.url)},
            server={"auth": "off"},
            models=_models(primary, backup, **embed),
        )
        server = live_server(create_app(settings, store=store))
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="sk-user", max_retries=0)
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.close()


def test_the_sdk_gets_vectors_from_the_pinned_model(
    start: Callable[..., openai.OpenAI], primary: FaultServer
) -> None:
    """The SDK's default base64 encoding decodes to the upstream's vectors, one per input."""
    client = start()
    response = client.embeddings.with_raw_response.create(model="embed", input=["a", "b c"])
    parsed = response.parse()
    assert [item.index for item in parsed.data] == [0, 1]
    assert len(parsed.data[0].embedding) == 8
    assert parsed.model == "text-embedding-3-small"
    assert response.headers["x-surefoot-served-by"] == "embed"
    upstream = primary.requests[-1]
    assert upstream.body is not None
    assert upstream.body["model"] == "text-embedding-3-small"
    assert "sk-user" not in str(upstream.headers)


def test_float_encoding_is_served_as_floats(start: Callable[..., openai.OpenAI]) -> None:
    """encoding_format float answers plain JSON numbers equal to the base64 ones."""
    client = start()
    floats = client.embeddings.create(model="embed", input="x", encoding_format="float")
    raw = client.embeddings.with_raw_response.create(
        model="embed", input="x", encoding_format="base64"
    ).http_response.json()
    packed = base64.b64decode(raw["data"][0]["embedding"])
    decoded = struct.unpack(f"<{len(packed) // 4}f", packed)
    assert decoded == pytest.approx(floats.data[0].embedding, abs=1e-6)


def test_a_failing_upstream_is_retried_then_its_fallback_answers(
    start: Callable[..., openai.OpenAI], primary: FaultServer, backup: FaultServer
) -> None:
    """Two 503s from the primary use its attempts; the fallback alias answers and is named."""
    primary.inject(Fault.status(503), times=2)
    client = start()
    response = client.embeddings.with_raw_response.create(model="embed", input="x")
    assert response.headers["x-surefoot-served-by"] == "embed-backup"
    assert response.headers["x-surefoot-decision"] == "fallback"
    assert response.parse().model == "minilm"
    assert primary.count(path="/v1/embeddings") == 2


def test_an_embeddings_request_is_one_trace_with_its_id_in_the_answer(
    start: Callable[..., openai.OpenAI], primary: FaultServer
) -> None:
    """Every attempt is an ``embedding`` span under one ``guard`` span holding the decision and
    its reasons; the header and the body name that trace."""
    primary.inject(Fault.status(503), times=2)
    client = start()
    with capture_traces() as captured:
        response = client.embeddings.with_raw_response.create(model="embed", input="x")
    spans = captured.spans
    [root] = [sp for sp in spans if sp.parent_id is None]
    attempts = [sp for sp in spans if sp.kind is SpanKind.EMBEDDING]
    assert root.kind is SpanKind.GUARD and len(attempts) == 3
    assert {sp.parent_id for sp in attempts} == {root.span_id}
    assert response.headers["x-surefoot-trace-id"] == root.trace_id
    assert (response.parse().model_extra or {})["surefoot"]["trace_id"] == root.trace_id
    assert root.attributes[sc.SF_DECISION_STATUS] == "fallback"
    assert root.attributes[sc.SF_DECISION_REASONS] == [
        "embed:ProviderUnavailable",
        "embed:ProviderUnavailable",
    ]


def test_a_refused_embeddings_request_names_its_trace(
    start: Callable[..., openai.OpenAI], primary: FaultServer, backup: FaultServer
) -> None:
    """A refusal's message and header carry the trace id, so the failed attempts can be found."""
    primary.inject(Fault.status(503), times=2)
    backup.inject(Fault.status(503), times=2)  # the alias's attempts apply to each upstream
    client = start()
    with capture_traces() as captured, pytest.raises(openai.APIStatusError) as caught:
        client.embeddings.create(model="embed", input="x")
    [root] = [sp for sp in captured.spans if sp.parent_id is None]
    assert caught.value.response.headers["x-surefoot-trace-id"] == root.trace_id
    assert f"trace {root.trace_id}" in caught.value.message
    assert root.attributes[sc.SF_DECISION_STATUS] == "refused"


def test_a_hanging_upstream_times_out_within_the_deadline(
    start: Callable[..., openai.OpenAI], primary: FaultServer, backup: FaultServer
) -> None:
    """With every upstream hanging, the client gets a 504 before the alias's deadline."""
    primary.inject(Fault.hang(), times=5)
    backup.inject(Fault.hang(), times=5)
    client = start(deadline_s=1.0)
    with pytest.raises(openai.APIStatusError) as caught:
        client.embeddings.create(model="embed", input="x")
    assert caught.value.status_code == 504
    assert caught.value.body["code"] in {"upstream_timeout", "deadline_exceeded"}  # type: ignore[index]


def test_a_served_model_other_than_the_pin_is_refused(
    start: Callable[..., openai.OpenAI], primary: FaultServer, backup: FaultServer
) -> None:
    """An upstream answering from another model than the pin does not serve the vectors."""
    primary.inject(Fault.served_model("text-embedding-ada-002"), times=2)
    client = start()
    response = client.embeddings.with_raw_response.create(model="embed", input="x")
    assert response.headers["x-surefoot-served-by"] == "embed-backup"


def test_idempotency_key_replays_the_first_response(
    start: Callable[..., openai.OpenAI], primary: FaultServer
) -> None:
    """The same Idempotency-Key and body get the stored response; the upstream is called once."""
    client = start()
    headers = {"Idempotency-Key": "emb-1"}
    first = client.embeddings.with_raw_response.create(
        model="embed", input="x", extra_headers=headers
    )
    again = client.embeddings.with_raw_response.create(
        model="embed", input="x", extra_headers=headers
    )
    assert again.headers["idempotent-replayed"] == "true"
    assert again.parse().data[0].embedding == first.parse().data[0].embedding
    assert primary.count(path="/v1/embeddings") == 1


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"model": "embed", "input": []}, "input"),
        ({"model": "embed", "input": [1, 2, 3]}, "input"),
        ({"model": "embed"}, "input"),
        ({"model": "embed", "input": "x", "encoding_format": "int8"}, "encoding_format"),
        ({"model": "nope", "input": "x"}, "not served here"),
    ],
)
def test_malformed_requests_are_openai_errors(
    store: Store, primary: FaultServer, backup: FaultServer, body: dict[str, Any], needle: str
) -> None:
    """Bad bodies get a 4xx in OpenAI's error shape that names the problem."""
    settings = Settings.load(
        store={"url": str(store.engine.url)},
        server={"auth": "off"},
        models=_models(primary, backup),
    )
    with TestClient(create_app(settings, store=store), client=LOOPBACK_CLIENT) as client:
        answer = client.post("/v1/embeddings", json=body)
    assert 400 <= answer.status_code < 500
    assert needle in answer.json()["error"]["message"]


def test_an_open_breaker_sends_requests_straight_to_the_fallback(
    start: Callable[..., openai.OpenAI], primary: FaultServer, backup: FaultServer
) -> None:
    """Once the primary's breaker opens, embeddings skip it without an attempt."""
    primary.inject(Fault.status(503), times=2)
    client = start(breaker_min_calls=1, breaker_cool_down_s=60)
    client.embeddings.create(model="embed", input="x")
    primary.reset_requests()
    response = client.embeddings.with_raw_response.create(model="embed", input="y")
    assert response.headers["x-surefoot-served-by"] == "embed-backup"
    assert primary.count(path="/v1/embeddings") == 0
