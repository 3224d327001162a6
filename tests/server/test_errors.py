"""Every error has OpenAI's JSON shape, with a message that says what to fix."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.server._helpers import PROTOBUF, export_request, otlp_span
from tests.server.conftest import LOOPBACK_CLIENT

from surefoot.core import Settings
from surefoot.server import create_app
from surefoot.store import Store, create_engine


def test_unknown_route_is_404_in_the_error_shape(client: TestClient) -> None:
    """An unknown path gets 404 with type, code and a message pointing at the OpenAPI spec."""
    response = client.get("/nope")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["type"] == "not_found_error"
    assert "/openapi.json" in error["message"]


def test_wrong_method_is_405_in_the_error_shape(client: TestClient) -> None:
    """A wrong method gets 405 in the same shape."""
    response = client.get("/v1/traces")
    assert response.status_code == 405
    assert set(response.json()["error"]) == {"message", "type", "code"}


def test_invalid_query_parameter_is_400_naming_it(client: TestClient) -> None:
    """A query parameter out of range gets 400 naming the parameter and the rule."""
    response = client.get("/api/v1/traces", params={"limit": 0})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter"
    assert "query.limit" in error["message"]


def test_unexpected_errors_are_500_in_the_error_shape(settings: Settings, store: Store) -> None:
    """A bug in a route answers 500 in the same shape, without internals in the message."""
    app = create_app(settings, store=store)

    def broken() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/broken", broken)
    response = TestClient(app, raise_server_exceptions=False).get("/broken")
    assert response.status_code == 500
    assert response.json()["error"]["type"] == "server_error"
    assert "secret internals" not in response.text


def test_unreachable_store_is_503_with_retry_after(settings: Settings) -> None:
    """With the database down, ingest and reads get 503 and Retry-After, so exporters retry."""
    down = Store(create_engine("postgresql+psycopg://u@127.0.0.1:1/db", connect_timeout_s=1))
    client = TestClient(create_app(settings, store=down), client=LOOPBACK_CLIENT)
    body = export_request(otlp_span()).SerializeToString()
    ingest = client.post("/v1/traces", content=body, headers=PROTOBUF)
    assert ingest.status_code == 503
    assert ingest.headers["retry-after"] == "5"
    assert ingest.json()["error"]["code"] == "store_unavailable"
    assert client.get("/api/v1/traces").status_code == 503
    assert client.get("/readyz").status_code == 503
    down.close()
