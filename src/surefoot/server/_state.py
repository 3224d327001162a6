"""What one app holds while it runs: settings, the store, metrics, auth, ingest and gateway."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request

from surefoot.server._errors import ApiError

if TYPE_CHECKING:
    from collections.abc import Callable

    from surefoot.core.config import Settings
    from surefoot.server._aliases import Gateway
    from surefoot.server._auth import Authenticator
    from surefoot.server._ingest import IngestWriter
    from surefoot.server._metrics import Metrics
    from surefoot.store import IdempotencyKeys, RateLimitCounters, Store

__all__ = ["ServerState", "server_state"]


@dataclass(slots=True)
class ServerState:
    """The running app's parts; the store and what needs it arrive when the lifespan starts."""

    settings: Settings
    metrics: Metrics
    auth: Authenticator
    store: Store | None = None
    owns_store: bool = False
    ingest: IngestWriter | None = None
    gateway: Gateway | None = None
    idempotency: IdempotencyKeys | None = None
    rate_counters: RateLimitCounters | None = None
    wall_clock: Callable[[], float] = time.time

    def require_store(self) -> Store:
        """The store; 503 while the server is still starting."""
        if self.store is None:
            raise _starting()
        return self.store

    def ingest_writer(self) -> IngestWriter:
        """The ingest writer; 503 while the server is still starting."""
        if self.ingest is None:
            raise _starting()
        return self.ingest


def _starting() -> ApiError:
    return ApiError(503, "the server is starting; retry shortly", code="starting")


def server_state(request: Request) -> ServerState:
    """The state of the app serving ``request`` (a FastAPI dependency)."""
    state = request.app.state.surefoot
    assert isinstance(state, ServerState)
    return state
