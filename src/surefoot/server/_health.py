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

from surefoot import __version__
from surefoot.core.errors import StoreError
from surefoot.server._auth import Scope, require_scope
from surefoot.server._errors import error_response, error_responses
from surefoot.server._metrics import CONTENT_TYPE_LATEST
from surefoot.server._models import HealthOut, StoreHealth
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
    """The store's state and the ingest counters; ``degraded`` when the store is not ready."""
    store = store_health(state)
    return HealthOut(
        status="ok" if store.reachable and store.schema_current else "degraded",
        version=__version__,
        store=store,
        spans_ingested=state.metrics.ingested,
        spans_rejected=state.metrics.rejected,
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
