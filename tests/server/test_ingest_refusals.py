"""Malformed or oversized ingest requests get a 4xx that says what to fix, never a 500."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.server._helpers import JSON, PROTOBUF, export_request, otlp_span
from tests.server.conftest import LOOPBACK_CLIENT, server_settings

from surefoot.core import Settings
from surefoot.server import create_app
from surefoot.store import Store


def _error(response: object) -> dict[str, str]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    return dict(body["error"])


def test_unsupported_content_type_is_415(client: TestClient) -> None:
    """A body in another media type gets 415 naming the two accepted ones."""
    response = client.post("/v1/traces", content=b"x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "application/x-protobuf" in _error(response)["message"]


def test_garbage_protobuf_is_400(client: TestClient) -> None:
    """A body that is not a protobuf ExportTraceServiceRequest gets 400."""
    response = client.post("/v1/traces", content=b"\xff\xff\xff", headers=PROTOBUF)
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_otlp"


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"resourceSpans": 3}'])
def test_malformed_json_is_400(client: TestClient, body: bytes) -> None:
    """Invalid JSON, a non-object, or a wrongly typed field gets 400."""
    response = client.post("/v1/traces", content=body, headers=JSON)
    assert response.status_code == 400
    assert _error(response)["type"] == "invalid_request_error"


def test_deeply_nested_json_is_400(client: TestClient) -> None:
    """JSON nested past the parser's depth gets 400, not a recursion error."""
    body = b'{"resourceSpans": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = client.post("/v1/traces", content=body, headers=JSON)
    assert response.status_code == 400


def test_unknown_fields_are_ignored(client: TestClient) -> None:
    """Unknown JSON fields, even protobuf's bracketed extension syntax, are ignored."""
    body = b'{"resourceSpans": [], "futureField": 1, "[ext.name]": {}}'
    assert client.post("/v1/traces", content=body, headers=JSON).status_code == 200


def test_corrupt_gzip_is_400(client: TestClient) -> None:
    """A body that claims gzip but is not gets 400."""
    headers = {**PROTOBUF, "Content-Encoding": "gzip"}
    response = client.post("/v1/traces", content=b"not gzip", headers=headers)
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_encoding"


def test_unknown_encoding_is_415(client: TestClient) -> None:
    """A Content-Encoding other than gzip gets 415."""
    headers = {**PROTOBUF, "Content-Encoding": "br"}
    assert client.post("/v1/traces", content=b"", headers=headers).status_code == 415


@pytest.fixture(name="small_client")
def _small_client(store_url: str, store: Store) -> TestClient:
    """A client of an app that accepts bodies up to 2 KiB."""
    settings: Settings = server_settings(store_url, auth="off", max_request_bytes=2048)
    return TestClient(create_app(settings, store=store), client=LOOPBACK_CLIENT)


def test_oversized_body_is_413_with_the_limit(small_client: TestClient) -> None:
    """A body over server.max_request_bytes gets 413 naming the limit."""
    spans = [otlp_span(attributes={"x": "y" * 100}) for _ in range(40)]
    body = export_request(*spans).SerializeToString()
    response = small_client.post("/v1/traces", content=body, headers=PROTOBUF)
    assert response.status_code == 413
    assert "2048-byte limit" in _error(response)["message"]


def test_gzip_bomb_is_413(small_client: TestClient) -> None:
    """A small gzip body that inflates past the limit gets 413."""
    body = gzip.compress(b"\x00" * 1_000_000)
    headers = {**PROTOBUF, "Content-Encoding": "gzip"}
    response = small_client.post("/v1/traces", content=body, headers=headers)
    assert response.status_code == 413
    assert "decompressed" in _error(response)["message"]


def test_chunked_oversized_body_is_413(small_client: TestClient) -> None:
    """A body without Content-Length is counted as it streams and refused past the limit."""

    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"\x00" * 1024

    response = small_client.post("/v1/traces", content=chunks(), headers=PROTOBUF)
    assert response.status_code == 413
