"""``POST /v1/traces``: OTLP/HTTP trace ingest into the store.

A 200 means the spans are committed in the store. The write is synchronous, on a worker thread:
an export batch of a few hundred spans costs a few milliseconds on SQLite, and OTLP exporters
batch by design, so the recorder's queue would buy little latency while widening what a crash
could lose after the 200 (up to its flush interval). When the store is down the answer is 503
with Retry-After, which OTLP exporters retry: nothing acknowledged is ever lost.

Ingested spans pass the same redaction and size cap as the process's own spans before they are
stored (secrets never reach the store).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from surefoot.core import semconv
from surefoot.server._auth import Scope, require_scope
from surefoot.server._errors import ApiError, error_responses
from surefoot.server._otlp_decode import (
    JSON,
    PROTOBUF,
    decode_export_request,
    encode_export_response,
    gunzip_capped,
    media_type,
    require_otlp_media_type,
)
from surefoot.server._otlp_spans import MappedBatch, map_export_request
from surefoot.server._state import ServerState, server_state
from surefoot.tracing import Pipeline, default_processors
from surefoot.tracing._usage import cost_patch, current_prices

if TYPE_CHECKING:
    from surefoot.core import SpanRecord
    from surefoot.core.config import TracingSettings
    from surefoot.store import Store

__all__ = ["IngestWriter", "router"]

router = APIRouter(tags=["ingest"])

_OTLP_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "An OTLP ExportTraceServiceRequest; Content-Encoding: gzip is accepted.",
        "content": {
            PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
            JSON: {"schema": {"type": "object"}},
        },
    }
}
_OTLP_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "ExportTraceServiceResponse, in the request's encoding; partialSuccess "
        "counts rejected spans and says why.",
        "content": {
            PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
            JSON: {"schema": {"type": "object"}},
        },
    },
    **error_responses(400, 401, 403, 413, 415, 429, 503),
}


class IngestWriter:
    """Maps decoded export requests to span records, redacts them and stores them.

    Args:
        store: where spans are written.
        tracing: the redaction and payload-cap settings.
    """

    def __init__(self, store: Store, tracing: TracingSettings) -> None:
        self.store = store
        self._pipeline = Pipeline(default_processors(tracing))

    def ingest(self, body: bytes, content_type: str) -> MappedBatch:
        """Decode, map, redact and store one request body; what was refused is in the result.

        Raises:
            ApiError: the body does not parse.
            StoreUnavailable: nothing was stored.
        """
        batch = map_export_request(decode_export_request(body, content_type))
        kept = self._pipeline.run(batch.spans)
        _price(kept)
        batch.dropped = len(batch.spans) - len(kept)
        for _ in range(batch.dropped):
            batch.reject("dropped by a span processor (see the server log)")
        if kept:
            self.store.write_spans(kept)
        batch.spans = kept
        return batch


@router.post(
    "/v1/traces",
    summary="OTLP/HTTP trace ingest",
    response_class=Response,
    responses=_OTLP_RESPONSES,
    openapi_extra=_OTLP_BODY,
    dependencies=[Depends(require_scope(Scope.INGEST))],
)
async def ingest_traces(
    request: Request, state: Annotated[ServerState, Depends(server_state)]
) -> Response:
    """Store the spans of an OTLP ExportTraceServiceRequest (protobuf or JSON, optionally gzip)."""
    content_type = media_type(request.headers.get("content-type"))
    require_otlp_media_type(content_type)  # before the body is read
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("gzip", "identity", ""):
        raise ApiError(
            415,
            f"unsupported Content-Encoding {encoding!r}; send gzip or no encoding",
            code="unsupported_encoding",
        )
    body = await request.body()
    if encoding == "gzip":
        body = gunzip_capped(body, state.settings.server.max_request_bytes)
    batch = await run_in_threadpool(state.ingest_writer().ingest, body, content_type)
    state.metrics.record_ingest(len(batch.spans), batch.rejected - batch.dropped, batch.dropped)
    payload = encode_export_response(batch.rejected, batch.message, content_type)
    return Response(payload, media_type=content_type)


def _price(spans: list[SpanRecord]) -> None:
    """Give every span with a model and token counts but no cost of its own the price table's
    cost, as surefoot's own model calls get theirs: OpenTelemetry instrumentations send tokens,
    rarely a cost, and a trace without one would roll up as free."""
    table = current_prices()
    for span in spans:
        if semconv.SF_COST_USD not in span.attributes:
            patch = cost_patch(span, table)
            if patch is not None:
                span.attributes.update(patch)
