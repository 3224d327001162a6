"""Builders of OTLP export requests for the ingest tests."""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.resource.v1 import resource_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from surefoot.core import new_span_id, new_trace_id

PROTOBUF = {"Content-Type": "application/x-protobuf"}
JSON = {"Content-Type": "application/json"}


def any_value(value: Any) -> common_pb2.AnyValue:
    """An AnyValue for a Python value."""
    if isinstance(value, bool):
        return common_pb2.AnyValue(bool_value=value)
    if isinstance(value, int):
        return common_pb2.AnyValue(int_value=value)
    if isinstance(value, float):
        return common_pb2.AnyValue(double_value=value)
    if isinstance(value, bytes):
        return common_pb2.AnyValue(bytes_value=value)
    if isinstance(value, list):
        items = [any_value(v) for v in value]
        return common_pb2.AnyValue(array_value=common_pb2.ArrayValue(values=items))
    if isinstance(value, dict):
        kvs = [common_pb2.KeyValue(key=k, value=any_value(v)) for k, v in value.items()]
        return common_pb2.AnyValue(kvlist_value=common_pb2.KeyValueList(values=kvs))
    return common_pb2.AnyValue(string_value=str(value))


def key_values(attributes: dict[str, Any]) -> list[common_pb2.KeyValue]:
    """KeyValues for a dict."""
    return [common_pb2.KeyValue(key=k, value=any_value(v)) for k, v in attributes.items()]


def otlp_span(
    name: str = "step",
    *,
    trace_id: str | None = None,
    span_id: str | None = None,
    parent_id: str | None = None,
    attributes: dict[str, Any] | None = None,
    status_code: int = 0,
    status_message: str = "",
    kind: int = 1,
    events: list[trace_pb2.Span.Event] | None = None,
    start_ns: int = 1_767_225_600_000_000_000,
    duration_ns: int = 5_000_000,
) -> trace_pb2.Span:
    """An OTLP span with fresh ids unless given."""
    span = trace_pb2.Span(
        trace_id=bytes.fromhex(trace_id or new_trace_id()),
        span_id=bytes.fromhex(span_id or new_span_id()),
        name=name,
        kind=kind,  # type: ignore[arg-type]
        start_time_unix_nano=start_ns,
        end_time_unix_nano=start_ns + duration_ns,
        attributes=key_values(attributes or {}),
        status=trace_pb2.Status(code=status_code, message=status_message),  # type: ignore[arg-type]
        events=events or [],
    )
    if parent_id:
        span.parent_span_id = bytes.fromhex(parent_id)
    return span


def export_request(
    *spans: trace_pb2.Span, service: str = "shop-api"
) -> trace_service_pb2.ExportTraceServiceRequest:
    """An export request carrying ``spans`` under one resource."""
    return trace_service_pb2.ExportTraceServiceRequest(
        resource_spans=[
            trace_pb2.ResourceSpans(
                resource=resource_pb2.Resource(attributes=key_values({"service.name": service})),
                scope_spans=[trace_pb2.ScopeSpans(spans=list(spans))],
            )
        ]
    )
