"""SpanRecord → OTLP trace request, as protobuf (http/protobuf) or as OTLP/JSON (http/json).

Kinds: llm and embedding spans are calls to another service, so OTLP ``CLIENT``; every other kind
is ``INTERNAL``. surefoot's own kind travels as the ``surefoot.span.kind`` attribute, the input and
output as ``surefoot.input`` / ``surefoot.output`` (JSON text), and an error as an OpenTelemetry
``exception`` event.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.resource.v1 import resource_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from surefoot.core import semconv
from surefoot.core._records import SpanKind, SpanStatus

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from surefoot.core._records import JSONValue, SpanRecord

__all__ = ["SCOPE_NAME", "to_otlp_json", "to_otlp_proto"]

SCOPE_NAME = "surefoot"
_CLIENT_KINDS = frozenset({SpanKind.LLM, SpanKind.EMBEDDING})
_STATUS = {
    SpanStatus.UNSET: trace_pb2.Status.StatusCode.STATUS_CODE_UNSET,
    SpanStatus.OK: trace_pb2.Status.StatusCode.STATUS_CODE_OK,
    SpanStatus.ERROR: trace_pb2.Status.StatusCode.STATUS_CODE_ERROR,
}
_KIND_INTERNAL = trace_pb2.Span.SpanKind.SPAN_KIND_INTERNAL
_KIND_CLIENT = trace_pb2.Span.SpanKind.SPAN_KIND_CLIENT


def _flat_attributes(record: SpanRecord) -> Iterator[tuple[str, JSONValue]]:
    yield from record.attributes.items()
    yield "surefoot.span.kind", record.kind.value
    if record.input is not None:
        yield "surefoot.input", _text(record.input)
    if record.output is not None:
        yield "surefoot.output", _text(record.output)


def _text(value: JSONValue) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _exception_attributes(record: SpanRecord) -> list[tuple[str, str]]:
    assert record.error is not None
    err = record.error
    return [
        ("exception.type", err.type),
        ("exception.message", err.message),
        ("exception.stacktrace", err.traceback),
    ]


# ---------------------------------------------------------------- protobuf
def _any_proto(value: JSONValue) -> common_pb2.AnyValue:
    if isinstance(value, bool):
        return common_pb2.AnyValue(bool_value=value)
    if isinstance(value, int):
        if -(2**63) <= value < 2**63:
            return common_pb2.AnyValue(int_value=value)
        return common_pb2.AnyValue(string_value=str(value))
    if isinstance(value, float):
        return common_pb2.AnyValue(double_value=value)
    if isinstance(value, str):
        return common_pb2.AnyValue(string_value=value)
    if isinstance(value, list):
        items = [_any_proto(v) for v in value]
        return common_pb2.AnyValue(array_value=common_pb2.ArrayValue(values=items))
    if isinstance(value, dict):
        kvs = [common_pb2.KeyValue(key=str(k), value=_any_proto(v)) for k, v in value.items()]
        return common_pb2.AnyValue(kvlist_value=common_pb2.KeyValueList(values=kvs))
    return common_pb2.AnyValue(string_value=str(value))


def _kv_proto(items: Any) -> list[common_pb2.KeyValue]:
    return [common_pb2.KeyValue(key=k, value=_any_proto(v)) for k, v in items if v is not None]


def _span_proto(record: SpanRecord) -> trace_pb2.Span:
    span = trace_pb2.Span(
        trace_id=bytes.fromhex(record.trace_id),
        span_id=bytes.fromhex(record.span_id),
        name=record.name,
        kind=_KIND_CLIENT if record.kind in _CLIENT_KINDS else _KIND_INTERNAL,
        start_time_unix_nano=record.start_ns,
        end_time_unix_nano=record.end_ns,
        attributes=_kv_proto(_flat_attributes(record)),
        status=trace_pb2.Status(
            code=_STATUS[record.status],
            message=record.error.message if record.error else "",
        ),
    )
    if record.parent_id:
        span.parent_span_id = bytes.fromhex(record.parent_id)
    if record.error is not None:
        span.events.append(
            trace_pb2.Span.Event(
                name="exception",
                time_unix_nano=record.end_ns,
                attributes=_kv_proto(_exception_attributes(record)),
            )
        )
    return span


def to_otlp_proto(batch: Sequence[SpanRecord], service_name: str) -> bytes:
    """The serialised ``ExportTraceServiceRequest`` for ``batch``."""
    request = trace_service_pb2.ExportTraceServiceRequest(
        resource_spans=[
            trace_pb2.ResourceSpans(
                resource=resource_pb2.Resource(
                    attributes=_kv_proto([(semconv.SERVICE_NAME, service_name)])
                ),
                scope_spans=[
                    trace_pb2.ScopeSpans(
                        scope=common_pb2.InstrumentationScope(name=SCOPE_NAME),
                        spans=[_span_proto(r) for r in batch],
                    )
                ],
            )
        ]
    )
    return bytes(request.SerializeToString())


# ---------------------------------------------------------------- JSON
def _any_json(value: JSONValue) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}  # int64 travels as a string in OTLP/JSON
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [_any_json(v) for v in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": _kv_json(value.items())}}
    return {"stringValue": str(value)}


def _kv_json(items: Any) -> list[dict[str, Any]]:
    return [{"key": str(k), "value": _any_json(v)} for k, v in items if v is not None]


def _span_json(record: SpanRecord) -> dict[str, Any]:
    span: dict[str, Any] = {
        "traceId": record.trace_id,
        "spanId": record.span_id,
        "name": record.name,
        "kind": int(_KIND_CLIENT if record.kind in _CLIENT_KINDS else _KIND_INTERNAL),
        "startTimeUnixNano": str(record.start_ns),
        "endTimeUnixNano": str(record.end_ns),
        "attributes": _kv_json(_flat_attributes(record)),
        "status": {"code": int(_STATUS[record.status])},
    }
    if record.parent_id:
        span["parentSpanId"] = record.parent_id
    if record.error is not None:
        span["status"]["message"] = record.error.message
        span["events"] = [
            {
                "name": "exception",
                "timeUnixNano": str(record.end_ns),
                "attributes": _kv_json(_exception_attributes(record)),
            }
        ]
    return span


def to_otlp_json(batch: Sequence[SpanRecord], service_name: str) -> bytes:
    """The OTLP/JSON ``ExportTraceServiceRequest`` for ``batch`` (ids as hex, per the spec)."""
    body = {
        "resourceSpans": [
            {
                "resource": {"attributes": _kv_json([(semconv.SERVICE_NAME, service_name)])},
                "scopeSpans": [
                    {"scope": {"name": SCOPE_NAME}, "spans": [_span_json(r) for r in batch]}
                ],
            }
        ]
    }
    return json.dumps(body, ensure_ascii=False, allow_nan=False, default=str).encode()
