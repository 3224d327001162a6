"""OTLP/HTTP request bodies → ``ExportTraceServiceRequest``: protobuf or JSON, plain or gzip.

Both encodings end in the same protobuf message, so the mapping to span records is written once.
OTLP/JSON differs from protobuf's canonical JSON in one way that matters here: trace and span ids
are hex, not base64 (OTLP spec, "JSON Protobuf Encoding"); they are converted before parsing.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from surefoot.server._errors import ApiError

__all__ = [
    "JSON",
    "PROTOBUF",
    "decode_export_request",
    "encode_export_response",
    "gunzip_capped",
    "media_type",
    "require_otlp_media_type",
]

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_ID_FIELDS = ("traceId", "spanId", "parentSpanId")

ExportRequest = trace_service_pb2.ExportTraceServiceRequest


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type header, without parameters, lower-cased."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def gunzip_capped(body: bytes, max_bytes: int) -> bytes:
    """Decompress a gzip body, refusing to inflate past ``max_bytes`` (a gzip bomb guard).

    Raises:
        ApiError: 400 for a corrupt stream, 413 when the inflated body is too large.
    """
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise ApiError(
            400, f"body is not valid gzip ({exc}); send it uncompressed or fix the encoder",
            code="invalid_encoding",
        ) from None  # fmt: skip
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise ApiError(
            413,
            f"the decompressed body exceeds the {max_bytes}-byte limit; send smaller batches",
            code="payload_too_large",
        )
    return out


def require_otlp_media_type(content_type: str) -> None:
    """Refuse, with 415, a media type that is neither OTLP protobuf nor OTLP JSON."""
    if content_type not in (PROTOBUF, JSON):
        raise ApiError(
            415,
            f"unsupported Content-Type {content_type or '(none)'!r}; send {PROTOBUF} or {JSON}",
            code="unsupported_media_type",
        )


def decode_export_request(body: bytes, content_type: str) -> Any:
    """Parse an OTLP trace export body of media type ``content_type``.

    Raises:
        ApiError: 415 for another media type, 400 for a body that does not parse.
    """
    if content_type == PROTOBUF:
        try:
            return ExportRequest.FromString(body)
        except (DecodeError, ValueError) as exc:
            raise ApiError(
                400,
                f"body is not a protobuf ExportTraceServiceRequest ({exc}); check that the "
                f"exporter uses OTLP/HTTP with {PROTOBUF}",
                code="invalid_otlp",
            ) from None
    require_otlp_media_type(content_type)
    return _decode_json(body)


def _decode_json(body: bytes) -> Any:
    try:
        document = json.loads(body)
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"body is not valid JSON ({exc})", code="invalid_json") from None
    if not isinstance(document, dict):
        raise ApiError(
            400, "body must be a JSON object with resourceSpans (OTLP/JSON)", code="invalid_otlp"
        )
    _normalise(document)
    try:
        return json_format.ParseDict(document, ExportRequest(), ignore_unknown_fields=True)
    except RecursionError:
        raise _too_deep() from None
    except (json_format.ParseError, ValueError, TypeError, AttributeError) as exc:
        raise ApiError(
            400, f"body is not an OTLP/JSON ExportTraceServiceRequest: {exc}", code="invalid_otlp"
        ) from None


def _too_deep() -> ApiError:
    return ApiError(400, "body is nested too deeply to be an OTLP request", code="invalid_otlp")


def _normalise(document: dict[str, Any]) -> None:
    """Hex ids → base64, and drop ``[...]`` keys, in place (iteratively: input is untrusted).

    Protobuf's JSON parser reads ``[name]`` keys as extensions and fails on them even when told
    to ignore unknown fields; OTLP receivers must ignore unknown fields, so they are dropped.
    Type problems are left for the parser to report with a clear path.
    """
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        for key in [k for k in node if k.startswith("[")]:
            del node[key]
        for key, value in node.items():
            if key in _ID_FIELDS and isinstance(value, str):
                node[key] = _hex_to_base64(value)
            elif isinstance(value, dict | list):
                stack.append(value)


def _hex_to_base64(value: str) -> str:
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        # Not hex: an invalid id, reported per span by the mapping (partial success).
        raw = b"\x00"
    return base64.b64encode(raw).decode("ascii")


def encode_export_response(rejected: int, message: str, content_type: str) -> bytes:
    """An ``ExportTraceServiceResponse`` in the request's encoding."""
    response = trace_service_pb2.ExportTraceServiceResponse()
    if rejected:
        response.partial_success.rejected_spans = rejected
        response.partial_success.error_message = message
    if content_type == PROTOBUF:
        return bytes(response.SerializeToString())
    return json.dumps(json_format.MessageToDict(response)).encode()
