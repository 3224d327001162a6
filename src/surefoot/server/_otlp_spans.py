"""OTLP spans → :class:`~surefoot.core.SpanRecord`: ids, times, status, attributes, errors, kind.

The inverse of tracing's export mapping (``surefoot.span.kind``, ``surefoot.input`` and
``surefoot.output`` come back as the kind, input and output), plus what other instrumentations
send: OpenTelemetry GenAI spans, and OpenInference spans, whose attribute names are mapped onto
the GenAI ones (:mod:`surefoot.server._openinference`). A span that cannot be stored (an invalid
id) is rejected on its own; the rest of the request is kept.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from typing import Any

from surefoot.core import semconv
from surefoot.core._records import ErrorInfo, JSONValue, SpanKind, SpanRecord, SpanStatus
from surefoot.server._openinference import apply_openinference, kind_from_attributes

__all__ = ["MappedBatch", "any_value", "map_export_request"]

# Written by tracing's OTLP exporter; read back here so surefoot → collector → surefoot is lossless.
SF_SPAN_KIND = "surefoot.span.kind"
SF_INPUT = "surefoot.input"
SF_OUTPUT = "surefoot.output"
SF_EVENTS = "surefoot.events"
_STATUS = {0: SpanStatus.UNSET, 1: SpanStatus.OK, 2: SpanStatus.ERROR}
_OTLP_SERVER_KIND = 2
_KINDS = frozenset(kind.value for kind in SpanKind)
_MAX_REASONS = 5


@dataclass(slots=True)
class MappedBatch:
    """The spans of one export request, and what was rejected and why."""

    spans: list[SpanRecord] = field(default_factory=list)
    rejected: int = 0
    dropped: int = 0  # of ``rejected``: valid spans a span processor dropped
    reasons: list[str] = field(default_factory=list)

    def reject(self, reason: str) -> None:
        """Count one rejected span; the first few reasons are kept for the response."""
        self.rejected += 1
        if len(self.reasons) < _MAX_REASONS:
            self.reasons.append(reason)

    @property
    def message(self) -> str:
        """The partial-success message: the first reasons, and how many more there were."""
        more = self.rejected - len(self.reasons)
        return "; ".join(self.reasons) + (f"; and {more} more" if more > 0 else "")


def any_value(value: Any) -> JSONValue:
    """An OTLP ``AnyValue`` as JSON (bytes as base64; non-finite floats as strings)."""
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if which == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in value.kvlist_value.values}
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    if which == "double_value" and not math.isfinite(value.double_value):
        return str(value.double_value)  # NaN and infinities are not JSON
    return getattr(value, which)


def _attributes(key_values: Any) -> dict[str, JSONValue]:
    return {kv.key: any_value(kv.value) for kv in key_values}


def map_export_request(request: Any) -> MappedBatch:
    """Every span of an ``ExportTraceServiceRequest``, mapped; invalid ones rejected and counted."""
    batch = MappedBatch()
    for resource_spans in request.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        service = resource.get(semconv.SERVICE_NAME)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                problem = _id_problem(span)
                if problem is not None:
                    batch.reject(f"span {span.name!r}: {problem}")
                    continue
                batch.spans.append(map_span(span, service))
    return batch


def _id_problem(span: Any) -> str | None:
    if len(span.trace_id) != 16 or not any(span.trace_id):
        return "trace_id must be 16 bytes (32 hex digits), not all zero"
    if len(span.span_id) != 8 or not any(span.span_id):
        return "span_id must be 8 bytes (16 hex digits), not all zero"
    if span.parent_span_id and len(span.parent_span_id) != 8:
        return "parent_span_id must be empty or 8 bytes (16 hex digits)"
    return None


def map_span(span: Any, service: JSONValue) -> SpanRecord:
    """One OTLP span as a record; ``service`` is the resource's ``service.name``."""
    attributes = _attributes(span.attributes)
    if isinstance(service, str) and semconv.SERVICE_NAME not in attributes:
        attributes[semconv.SERVICE_NAME] = service
    parent = span.parent_span_id.hex() if any(span.parent_span_id) else None
    record = SpanRecord(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_id=parent,
        name=span.name,
        start_ns=span.start_time_unix_nano,
        end_ns=span.end_time_unix_nano,
        status=_STATUS.get(span.status.code, SpanStatus.UNSET),
        attributes=attributes,
    )
    record.kind = _kind(attributes, span.kind, is_root=parent is None)
    record.input = _json_text(attributes.pop(SF_INPUT, None))
    record.output = _json_text(attributes.pop(SF_OUTPUT, None))
    apply_openinference(record)
    _events(record, span)
    if record.status is SpanStatus.ERROR and record.error is None and span.status.message:
        record.error = ErrorInfo(type="Error", message=span.status.message)
    return record


def _kind(attributes: dict[str, JSONValue], otlp_kind: int, *, is_root: bool) -> SpanKind:
    own = attributes.pop(SF_SPAN_KIND, None)
    if isinstance(own, str) and own in _KINDS:
        return SpanKind(own)
    kind = kind_from_attributes(attributes)
    if kind is not None:
        return kind
    # A SERVER span is a request arriving from outside: the unit surefoot calls a request.
    return SpanKind.REQUEST if otlp_kind == _OTLP_SERVER_KIND else SpanKind.INTERNAL


def _json_text(value: JSONValue) -> JSONValue:
    # The exporter writes non-string payloads as JSON text; a plain string stays a string.
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _events(record: SpanRecord, span: Any) -> None:
    others = []
    for event in span.events:
        attributes = _attributes(event.attributes)
        if event.name == "exception" and record.error is None:
            record.error = ErrorInfo(
                type=str(attributes.get("exception.type", "Exception")),
                message=str(attributes.get("exception.message", "")),
                traceback=str(attributes.get("exception.stacktrace", "")),
            )
            continue
        others.append(
            {"name": event.name, "time_ns": event.time_unix_nano, "attributes": attributes}
        )
    if others:
        record.attributes[SF_EVENTS] = others
