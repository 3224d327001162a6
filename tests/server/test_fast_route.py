"""The chat route answered before FastAPI's middleware: same metrics, caps and error answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import LOOPBACK_CLIENT

from surefoot.core import Settings
from surefoot.guard import Guard
from surefoot.providers import CallableProvider
from surefoot.server import create_app
from surefoot.store import Store

ROUTE = "/v1/chat/completions"


@pytest.fixture(name="client")
def _client(store: Store) -> Iterator[TestClient]:
    """A gateway over a callable upstream with a 2 KiB body cap."""
    settings = Settings.load(
        store={"url": str(store.engine.url)},
        server={"auth": "off", "max_request_bytes": 2048},
    )
    guard = Guard([CallableProvider(lambda request: "fine")])
    with TestClient(create_app(settings, store=store, guard=guard), client=LOOPBACK_CLIENT) as c:
        yield c


def test_answers_are_counted_under_the_route_template(client: TestClient) -> None:
    """A served and a refused request both appear in the latency histogram by route."""
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    assert client.post(ROUTE, json=body).status_code == 200
    assert client.post(ROUTE, json={"model": "m"}).status_code == 400
    metrics = client.get("/metrics").text
    for status in ("200", "400"):
        needle = f'route="{ROUTE}",status="{status}"'
        assert (
            f'surefoot_http_request_duration_seconds_count{{method="POST",{needle}}} 1.0' in metrics
        )


def test_oversized_bodies_get_413_in_the_error_shape(client: TestClient) -> None:
    """The size cap applies on the fast route, declared or streamed."""
    big = b'{"model": "m", "messages": [' + b" " * 4096 + b"]}"
    declared = client.post(ROUTE, content=big, headers={"content-type": "application/json"})
    streamed = client.post(ROUTE, content=iter([big[:1500], big[1500:]]))
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'"x"', b"\xff\xfe"])
def test_malformed_json_is_a_400_never_a_500(client: TestClient, raw: bytes) -> None:
    """Bodies that are not a JSON object get OpenAI's 400 shape."""
    response = client.post(ROUTE, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
