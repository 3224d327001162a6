"""Liveness, readiness, the health document and the Prometheus scrape endpoint.

``/healthz`` says the process answers, and nothing else, so an orchestrator restarts only a hung
process. ``/readyz`` says the store is reachable and its schema current, so traffic is routed
only to a server that can serve it. Both are unauthenticated: probes carry no keys.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from surefoot import __version__, tracing
from surefoot.core.errors import StoreError
from surefoot.guard import BreakerState
from surefoot.server._auth import Scope, require_scope
from surefoot.server._errors import error_response, error_responses
from surefoot.server._metrics import CONTENT_TYPE_LATEST
from surefoot.server._models import HealthOut, RecorderHealth, StoreHealth
from surefoot.server._state import ServerState, server_state
from surefoot.store import migration_status

__all__ = ["probes", "router"]

probes = APIRouter(tags=["health"])
router = APIRouter(prefix="/api/v1", tags=["health"])


class Liveness(BaseModel):
    """The process answers."""

    status: Literal["ok"] = "ok"


def store_health(state: ServerState) -> StoreHealth:
    """Whether the store answers and its schema is the one this code expects."""
    store = state.store
    if store is None:
        return StoreHealth(
            reachable=False, schema_current=False, revision=None, detail="the server is starting"
        )
    try:
        store.ping()
        status = migration_status(store.engine)
    except StoreError as exc:
        return StoreHealth(reachable=False, schema_current=False, revision=None, detail=str(exc))
    return StoreHealth(
        reachable=True,
        schema_current=status.is_current,
        revision=status.current,
        expected_revision=status.head,
        detail=None if status.is_current else "the schema is behind: run `surefoot db upgrade`",
    )


@probes.get("/healthz", summary="Liveness")
async def healthz() -> Liveness:
    """Always 200 while the process serves requests."""
    return Liveness()


@probes.get(
    "/readyz",
    summary="Readiness",
    response_model=StoreHealth,
    responses=error_responses(503),
)
def readyz(state: Annotated[ServerState, Depends(server_state)]) -> Response:
    """200 when the store is reachable and its schema current; 503 with the reason otherwise."""
    health = store_health(state)
    if health.reachable and health.schema_current:
        return Response(health.model_dump_json(), media_type="application/json")
    return error_response(503, f"not ready: {health.detail}", "not_ready")


@router.get(
    "/health",
    summary="Server health",
    dependencies=[Depends(require_scope(Scope.READ))],
    responses=error_responses(401, 403, 429),
)
def health(state: Annotated[ServerState, Depends(server_state)]) -> HealthOut:
    """The store, this process's recorder, the gateway upstreams' breakers and the ingest
    counters; ``degraded``, with the problems and what to do, when any of them is not well."""
    store = store_health(state)
    problems = [] if store.reachable and store.schema_current else [f"store: {store.detail}"]
    recorder = _recorder_health()
    if recorder is not None and not recorder.store_available:
        problems.append(
            "recorder: the last store write failed; spans wait in the spool "
            f"({recorder.spool_bytes} bytes) and are replayed when the store is back: check it"
        )
    lanes = {} if state.gateway is None else state.gateway.upstreams()
    upstreams = {name: lane.breaker.state.value for name, lane in sorted(lanes.items())}
    problems += [
        f"upstream {name!r}: its circuit breaker is open after repeated failures; requests skip "
        "it (for its fallbacks, if any) until it recovers: check the upstream"
        for name, breaker in upstreams.items()
        if breaker == BreakerState.OPEN.value
    ]
    return HealthOut(
        status="degraded" if problems else "ok",
        version=__version__,
        store=store,
        recorder=recorder,
        upstreams=upstreams,
        problems=problems,
        spans_ingested=state.metrics.ingested,
        spans_rejected=state.metrics.rejected,
    )


def _recorder_health() -> RecorderHealth | None:
    if not tracing.is_initialised():
        return None
    stats = tracing.stats()
    lost = (
        stats.dropped_queue_full
        + stats.dropped_spool_full
        + stats.processor_errors
        + stats.dropped_child_exit
    )
    return RecorderHealth(
        store_available=stats.store_available,
        pending=stats.pending,
        spool_bytes=stats.spool_bytes,
        written=stats.written,
        lost=lost,
        dead_lettered=stats.dead_lettered,
    )


@probes.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    dependencies=[Depends(require_scope(Scope.READ))],
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}},
        **error_responses(401, 403, 429),
    },
)
async def metrics(state: Annotated[ServerState, Depends(server_state)]) -> Response:
    """Every metric, in the Prometheus text exposition format."""
    body = await run_in_threadpool(state.metrics.exposition)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
