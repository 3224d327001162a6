"""An escalated answer: the alias's escalation message in a valid completion, or 503 without one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import LOOPBACK_CLIENT

from surefoot.core import ReviewOrigin, Settings
from surefoot.guard import Guard, LowConfidence, RoutingPolicy
from surefoot.providers import OpenAICompatibleProvider
from surefoot.review import ReviewQueue
from surefoot.server import Gateway, build_gateway, create_app
from surefoot.store import Store
from surefoot.testing import FaultServer, capture_traces

BODY = {"model": "chat", "messages": [{"role": "user", "content": "hello"}]}
HELD = "A specialist will answer you by email within a day."


@pytest.fixture(name="upstream")
def _upstream() -> Iterator[FaultServer]:
    """An upstream that answers every request."""
    with FaultServer() as server:
        yield server


def _client(store: Store, upstream: FaultServer, messages: dict[str, str]) -> TestClient:
    guard = Guard(
        [OpenAICompatibleProvider(upstream.base_url, None)],
        scorers=[lambda item: 0.1],  # always unsure: every answer goes to a human
        routing=RoutingPolicy(low=LowConfidence.ESCALATE),
    )
    gateway = Gateway(guards={"chat": guard}, escalation_messages=messages)
    settings = Settings.load(store={"url": str(store.engine.url)}, server={"auth": "off"})
    return TestClient(create_app(settings, store=store, gateway=gateway), client=LOOPBACK_CLIENT)


def test_an_escalation_answers_the_configured_message(store: Store, upstream: FaultServer) -> None:
    """With escalation_message set, the client gets a normal completion carrying the message."""
    with _client(store, upstream, {"chat": HELD}) as client:
        response = client.post("/v1/chat/completions", json=BODY)
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": HELD}
    assert body["surefoot"]["decision"] == "escalate"
    assert response.headers["x-surefoot-decision"] == "escalate"


def test_without_a_message_an_escalation_is_a_503(store: Store, upstream: FaultServer) -> None:
    """Without escalation_message, the held-back answer is an OpenAI error, not an empty answer."""
    with _client(store, upstream, {}) as client:
        response = client.post("/v1/chat/completions", json=BODY)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "escalated_for_review"


def test_the_setting_reaches_the_gateway(upstream: FaultServer) -> None:
    """``escalation_message`` in a ``[models.*]`` table becomes the alias's message."""
    models = {"chat": {**_ESCALATING, "base_url": upstream.base_url}}
    gateway = build_gateway(Settings.load(models=models).models, {})
    assert gateway.escalation_messages == {"chat": HELD}


def test_an_escalated_request_waits_in_the_review_queue(
    store: Store, upstream: FaultServer
) -> None:
    """What a guard in the server escalates is queued for a human, with its trace."""
    with _client(store, upstream, {"chat": HELD}) as client, capture_traces():
        response = client.post("/v1/chat/completions", json=BODY)
    (item,) = ReviewQueue(store).items()
    assert item.origin is ReviewOrigin.ESCALATION
    assert item.trace_id == response.headers["x-surefoot-trace-id"]


def test_a_configured_alias_scores_answers_and_escalates_the_unsure(
    store: Store, upstream: FaultServer
) -> None:
    """scorers, thresholds and low_confidence from the table: the gateway asks the upstream for
    log probabilities (the client did not), scores the answer below caveat_at, sends the
    escalation message and queues the answer for review."""
    settings = Settings.load(
        store={"url": str(store.engine.url)},
        server={"auth": "off"},
        models={"chat": {**_ESCALATING, "base_url": upstream.base_url}},
    )
    with TestClient(create_app(settings, store=store), client=LOOPBACK_CLIENT) as client:
        response = client.post("/v1/chat/completions", json=BODY)
    answer = response.json()
    assert answer["surefoot"]["decision"] == "escalate"
    assert answer["choices"][0]["message"]["content"] == HELD
    assert "logprobs" not in answer["choices"][0]
    assert upstream.requests[-1].body is not None and upstream.requests[-1].body["logprobs"]
    assert len(ReviewQueue(store).items()) == 1


def test_a_configured_caveat_comes_with_a_middling_answer(
    store: Store, upstream: FaultServer
) -> None:
    """An answer scored between caveat_at and serve_at is served with the alias's caveat."""
    alias = {
        "model": "m",
        "base_url": upstream.base_url,
        "scorers": ["token_probability"],
        "serve_at": 0.999,  # the fault server's tokens score 0.95 to 0.99
        "caveat_at": 0.5,
        "caveat": "Unverified: check with support.",
    }
    settings = Settings.load(
        store={"url": str(store.engine.url)}, server={"auth": "off"}, models={"chat": alias}
    )
    with TestClient(create_app(settings, store=store), client=LOOPBACK_CLIENT) as client:
        decision = client.post("/v1/chat/completions", json=BODY).json()["surefoot"]
    assert decision["decision"] == "serve_with_caveat"
    assert decision["caveat"] == "Unverified: check with support."


_ESCALATING = {
    "model": "m",
    "scorers": ["token_probability"],
    # The fault server's tokens have probabilities of 0.95 to 0.99: all below these.
    "serve_at": 0.999,
    "caveat_at": 0.998,
    "low_confidence": "escalate",
    "escalation_message": HELD,
}
