"""An escalated answer: the alias's escalation message in a valid completion, or 503 without one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import LOOPBACK_CLIENT

from surefoot.core import Settings
from surefoot.guard import Guard, LowConfidence, RoutingPolicy
from surefoot.providers import OpenAICompatibleProvider
from surefoot.server import Gateway, build_gateway, create_app
from surefoot.store import Store
from surefoot.testing import FaultServer

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
    models = {"chat": {"model": "m", "base_url": upstream.base_url, "escalation_message": HELD}}
    gateway = build_gateway(Settings.load(models=models).models, {})
    assert gateway.escalation_messages == {"chat": HELD}
