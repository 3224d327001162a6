"""``Idempotency-Key``: replayed for the same body, 422 for another, 409 while in flight."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.server.conftest import LiveServer

from surefoot.core import Settings
from surefoot.guard import Guard, StopAfterAttempts, WaitFixed
from surefoot.providers import OpenAICompatibleProvider
from surefoot.server import create_app
from surefoot.store import Store
from surefoot.testing import Fault, FaultServer

BODY: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "charge the card"}]}


@pytest.fixture(name="upstream")
def _upstream() -> Iterator[FaultServer]:
    """A fault-injecting upstream."""
    with FaultServer() as server:
        yield server


@pytest.fixture(name="replicas")
def _replicas(
    settings: Settings,
    store: Store,
    upstream: FaultServer,
    live_server: Callable[[FastAPI], LiveServer],
) -> list[str]:
    """Two gateway replicas sharing one store, each with its own guard."""
    urls = []
    for _ in range(2):
        provider = OpenAICompatibleProvider(upstream.base_url, "sk-up", name="fault")
        guard = Guard([provider], stop=StopAfterAttempts(1), wait=WaitFixed(0), deadline_s=10)
        urls.append(live_server(create_app(settings, store=store, guard=guard)).url)
    return urls


def _post(url: str, key: str, body: dict[str, Any] = BODY) -> httpx.Response:
    headers = {"Idempotency-Key": key}
    return httpx.post(f"{url}/v1/chat/completions", json=body, headers=headers, timeout=10)


def test_same_key_and_body_replays_the_first_response(
    replicas: list[str], upstream: FaultServer
) -> None:
    """A duplicate on another replica gets the stored response; the upstream is called once."""
    first = _post(replicas[0], "k-replay")
    again = _post(replicas[1], "k-replay")
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["x-surefoot-decision"] == first.headers["x-surefoot-decision"]
    assert upstream.count() == 1


def test_same_key_with_another_body_is_422(replicas: list[str]) -> None:
    """Reusing a key for a different request is refused with 422 naming the key."""
    _post(replicas[0], "k-reuse")
    other = {**BODY, "messages": [{"role": "user", "content": "charge it twice"}]}
    response = _post(replicas[1], "k-reuse", other)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_duplicate_while_the_first_runs_is_409(replicas: list[str], upstream: FaultServer) -> None:
    """A duplicate arriving at another replica while the first is in flight gets 409."""
    upstream.inject(Fault.latency(1.0))
    results: list[httpx.Response] = []
    first = threading.Thread(target=lambda: results.append(_post(replicas[0], "k-flight")))
    first.start()
    deadline = time.monotonic() + 5
    while upstream.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    duplicate = _post(replicas[1], "k-flight")
    first.join()
    assert duplicate.status_code == 409
    assert duplicate.headers["retry-after"] == "1"
    assert results[0].status_code == 200
    assert _post(replicas[1], "k-flight").headers["idempotent-replayed"] == "true"


def test_server_failures_release_the_key(replicas: list[str], upstream: FaultServer) -> None:
    """A 503 is not stored: the retry with the same key runs the request again."""
    upstream.inject(Fault.unavailable())
    failed = _post(replicas[0], "k-retry")
    retried = _post(replicas[0], "k-retry")
    assert failed.status_code == 503
    assert retried.status_code == 200
    assert "idempotent-replayed" not in retried.headers


def test_requests_without_a_key_are_not_deduplicated(
    replicas: list[str], upstream: FaultServer
) -> None:
    """Without the header every request runs."""
    for _ in range(2):
        httpx.post(f"{replicas[0]}/v1/chat/completions", json=BODY, timeout=10)
    assert upstream.count() == 2


def test_streams_refuse_the_header(replicas: list[str]) -> None:
    """An Idempotency-Key on a streamed request is a 400 saying how to make it idempotent."""
    response = _post(replicas[0], "k-stream", {**BODY, "stream": True})
    assert response.status_code == 400
    assert "without streaming" in response.json()["error"]["message"]
