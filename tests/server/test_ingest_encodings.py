"""OTLP/HTTP ingest accepts protobuf and JSON, plain or gzip, and answers in the same encoding."""

from __future__ import annotations

import gzip
import json

from fastapi.testclient import TestClient
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from tests.server._helpers import JSON, PROTOBUF, export_request, otlp_span

from surefoot.core import new_span_id, new_trace_id
from surefoot.store import Store


def test_protobuf_spans_are_stored(client: TestClient, store: Store) -> None:
    """A protobuf export is answered 200 and its spans are in the store."""
    trace_id = new_trace_id()
    body = export_request(otlp_span("root", trace_id=trace_id)).SerializeToString()
    response = client.post("/v1/traces", content=body, headers=PROTOBUF)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    answer = trace_service_pb2.ExportTraceServiceResponse.FromString(response.content)
    assert answer.partial_success.rejected_spans == 0
    assert [s.name for s in store.get_trace(trace_id)] == ["root"]


def test_gzip_protobuf_is_decompressed(client: TestClient, store: Store) -> None:
    """A gzip-encoded body is inflated before it is parsed."""
    trace_id = new_trace_id()
    body = gzip.compress(export_request(otlp_span(trace_id=trace_id)).SerializeToString())
    response = client.post(
        "/v1/traces", content=body, headers={**PROTOBUF, "Content-Encoding": "gzip"}
    )
    assert response.status_code == 200
    assert len(store.get_trace(trace_id)) == 1


def test_json_with_hex_ids_and_string_int64(client: TestClient, store: Store) -> None:
    """OTLP/JSON ids are hex and its int64 values strings, as the specification writes them."""
    trace_id, span_id, parent_id = new_trace_id(), new_span_id(), new_span_id()
    body = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": trace_id.upper(),
                                "spanId": span_id,
                                "parentSpanId": parent_id,
                                "name": "chat",
                                "kind": 3,
                                "startTimeUnixNano": "1767225600000000000",
                                "endTimeUnixNano": "1767225600002000000",
                                "attributes": [
                                    {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "7"}}
                                ],
                                "status": {"code": 1},
                            }
                        ]
                    }
                ],
            }
        ]
    }
    response = client.post("/v1/traces", content=json.dumps(body), headers=JSON)
    assert response.status_code == 200
    assert response.json() == {}
    (span,) = store.get_trace(trace_id)
    assert (span.span_id, span.parent_id) == (span_id, parent_id)
    assert span.end_ns - span.start_ns == 2_000_000
    assert span.attributes["gen_ai.usage.input_tokens"] == 7
    assert span.attributes["service.name"] == "svc"


def test_invalid_ids_are_rejected_alone(client: TestClient, store: Store) -> None:
    """Spans with invalid ids are counted in partial_success; the valid ones are stored."""
    good = otlp_span("good")
    bad = otlp_span("bad")
    bad.trace_id = b"\x00" * 16
    body = export_request(good, bad).SerializeToString()
    response = client.post("/v1/traces", content=body, headers=PROTOBUF)
    answer = trace_service_pb2.ExportTraceServiceResponse.FromString(response.content)
    assert response.status_code == 200
    assert answer.partial_success.rejected_spans == 1
    assert "trace_id" in answer.partial_success.error_message
    assert len(store.get_trace(good.trace_id.hex())) == 1


def test_json_partial_success_names_the_reason(client: TestClient) -> None:
    """A JSON span whose id is not hex is rejected with a reason in partialSuccess."""
    span = {"traceId": "not-hex", "spanId": new_span_id(), "name": "x"}
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    response = client.post("/v1/traces", content=json.dumps(body), headers=JSON)
    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "1"
    assert "trace_id must be 16 bytes" in partial["errorMessage"]


def test_ingested_secrets_are_redacted_before_the_store(client: TestClient, store: Store) -> None:
    """An upstream API key inside an ingested span never reaches the store."""
    trace_id = new_trace_id()
    secret = "sk-" + "a1B2c3D4e5F6g7H8i9J0" * 2
    span = otlp_span(
        trace_id=trace_id,
        attributes={"llm.provider.api_key": secret, "input.value": f"called with {secret}"},
    )
    client.post("/v1/traces", content=export_request(span).SerializeToString(), headers=PROTOBUF)
    (stored,) = store.get_trace(trace_id)
    assert secret not in repr(stored)
