"""The REST API for traces under ``/api/v1``: the same filters as ``surefoot traces list``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import Field

from surefoot.core._records import DecisionStatus, SpanKind, SpanStatus
from surefoot.server._auth import Scope, require_scope
from surefoot.server._errors import ApiError, error_responses
from surefoot.server._models import SpanOut, TraceDetail, TraceList, TraceSummaryOut
from surefoot.server._state import ServerState, server_state
from surefoot.store import TraceQuery

__all__ = ["instant_ns", "router"]

router = APIRouter(
    prefix="/api/v1",
    tags=["traces"],
    dependencies=[Depends(require_scope(Scope.READ))],
    responses=error_responses(400, 401, 403, 429, 503),
)

_MAX_NS = 2**63 - 1  # the store's BIGINT
Nanoseconds = Annotated[int, Field(ge=0, le=_MAX_NS)]
Instant = Nanoseconds | datetime
TraceId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="32 lower-case hex digits.")]
SpanId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="16 lower-case hex digits.")]
# NUL cannot be stored in PostgreSQL text, so it is refused up front rather than failing there.
_TEXT = r"^[^\x00]*$"


def instant_ns(value: Instant) -> int:
    """Nanoseconds since the epoch for an integer of ns or a datetime (UTC when naive).

    Times outside the store's range are clamped to it: "since 1900" means "since the start".
    """
    if isinstance(value, int):
        return value
    when = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    delta = when - _EPOCH
    ns = (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
    return min(max(ns, 0), _MAX_NS)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@router.get("/traces", summary="List traces, newest first")
def list_traces(
    state: Annotated[ServerState, Depends(server_state)],
    since: Annotated[
        Instant | None, Query(description="Start: ns since the epoch, or an ISO 8601 time.")
    ] = None,
    until: Annotated[
        Instant | None, Query(description="End (exclusive): ns or an ISO 8601 time.")
    ] = None,
    kind: Annotated[SpanKind | None, Query(description="Only traces with a span of it.")] = None,
    model: Annotated[
        str | None, Query(max_length=200, pattern=_TEXT, description="Model or glob (gpt-4o*).")
    ] = None,
    status: Annotated[SpanStatus | None, Query()] = None,
    decision: Annotated[DecisionStatus | None, Query(description="Guard decision.")] = None,
    q: Annotated[
        str | None, Query(max_length=500, pattern=_TEXT, description="Text in name or payloads.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> TraceList:
    """Trace summaries matching every filter given."""
    query = TraceQuery(
        since_ns=None if since is None else instant_ns(since),
        until_ns=None if until is None else instant_ns(until),
        kind=kind,
        model=model,
        status=status,
        decision=decision,
        text=q,
        limit=limit,
        offset=offset,
    )
    rows = state.require_store().list_traces(query)
    return TraceList(
        traces=[TraceSummaryOut.of(r) for r in rows],
        limit=limit,
        offset=offset,
        next_offset=offset + limit if len(rows) == limit else None,
    )


def _no_trace(trace_id: str) -> ApiError:
    return ApiError(
        404,
        f"no trace {trace_id} in the store; its spans may not have arrived yet",
        code="trace_not_found",
    )


@router.get(
    "/traces/{trace_id}", summary="One trace: summary and spans", responses=error_responses(404)
)
def get_trace(
    trace_id: TraceId, state: Annotated[ServerState, Depends(server_state)]
) -> TraceDetail:
    """The trace's summary and every span, earliest first."""
    store = state.require_store()
    spans = store.get_trace(trace_id)
    summary = store.get_trace_summary(trace_id)
    if not spans or summary is None:
        raise _no_trace(trace_id)
    return TraceDetail(summary=TraceSummaryOut.of(summary), spans=[SpanOut.of(s) for s in spans])


@router.get(
    "/traces/{trace_id}/spans/{span_id}",
    summary="One span",
    responses=error_responses(404),
)
def get_span(
    trace_id: TraceId, span_id: SpanId, state: Annotated[ServerState, Depends(server_state)]
) -> SpanOut:
    """One span of a trace, with its attributes and payloads."""
    for span in state.require_store().get_trace(trace_id):
        if span.span_id == span_id:
            return SpanOut.of(span)
    raise ApiError(404, f"no span {span_id} in trace {trace_id}", code="span_not_found")
