"""Every error has OpenAI's JSON shape, with a message that says what to fix."""

from __future__ import annotations

from fastapi.testclient import TestClient


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
