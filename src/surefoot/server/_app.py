"""The app factory: routes, middleware, error handlers and the store's lifecycle."""

from __future__ import annotations

import contextlib
import os
import time
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.routing import Route

from surefoot import __version__
from surefoot.server import _api, _gateway, _health, _ingest
from surefoot.server._aliases import Gateway, build_gateway
from surefoot.server._auth import Authenticator
from surefoot.server._errors import install_handlers
from surefoot.server._ingest import IngestWriter
from surefoot.server._metrics import Metrics, MetricsMiddleware
from surefoot.server._ratelimit import BodySizeLimit
from surefoot.server._state import ServerState
from surefoot.store import ApiKeys, IdempotencyKeys, Store

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from surefoot.core.config import Settings
    from surefoot.guard import Guard

__all__ = ["create_app"]


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    guard: Guard | None = None,
    gateway: Gateway | None = None,
    clock: Callable[[], float] | None = None,
) -> FastAPI:
    """Build the surefoot API server.

    Args:
        settings: the settings; ``server`` and ``tracing`` (redaction of ingested spans) apply.
        store: an open store to use and leave open; default the store ``settings.store`` names,
            opened when the app starts and closed when it stops.
        guard: serve ``POST /v1/chat/completions`` through this guard for any ``model``
            (scope ``gateway``). Its spans reach the store once ``surefoot.tracing.init`` has
            run in the process. The app closes the guard's providers' connection pools when it
            stops.
        gateway: serve model aliases, each through its own guard (see :func:`build_gateway`);
            default: ``guard`` for every model, else the ``[models.*]`` settings, else no
            gateway routes at all.
        clock: monotonic seconds for key caching and rate limits (tests inject one).

    Returns:
        The ASGI application. Serve it with uvicorn, or ``surefoot serve``.

    Raises:
        ConfigError: a ``[models.*]`` table is invalid or names an unset key variable.
    """
    if gateway is None and guard is not None:
        gateway = Gateway(default=guard)
    elif gateway is None and settings.models:
        gateway = build_gateway(settings.models, os.environ)
    metrics = Metrics(__version__)
    auth = Authenticator(settings.server, metrics, clock=time.monotonic if clock is None else clock)
    state = ServerState(settings=settings, metrics=metrics, auth=auth, gateway=gateway)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if state.store is None:
            _attach(state, Store.open(settings.store), owned=True)
        try:
            yield
        finally:
            if gateway is not None:
                # Async connection pools are bound to this event loop: close them with it.
                await gateway.aclose()
            if state.owns_store and state.store is not None:
                state.store.close()
                state.store = None

    app = FastAPI(
        title="surefoot",
        version=__version__,
        summary="Traces, guard, evals and monitors for AI in production.",
        lifespan=lifespan,
    )
    app.state.surefoot = state
    if store is not None:
        _attach(state, store, owned=False)
    install_handlers(app)
    if gateway is not None:
        # First: routes are matched in order, and the gateway is the latency-sensitive path.
        app.include_router(_gateway.router)
        # The fast twin answers; the router's route above documents the operation.
        fast = Route("/v1/chat/completions", _gateway.fast_chat_completions, methods=["POST"])
        app.router.routes.insert(0, fast)
        metrics.watch_guards(gateway.all_guards())
    for router in (_health.probes, _health.router, _ingest.router, _api.router):
        app.include_router(router)
    # Outermost last: metrics time everything, including refusals by the size cap.
    app.add_middleware(BodySizeLimit, max_bytes=settings.server.max_request_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def _attach(state: ServerState, store: Store, *, owned: bool) -> None:
    state.store = store
    state.owns_store = owned
    state.ingest = IngestWriter(store, state.settings.tracing)
    state.auth.keys = ApiKeys(store.engine)
    state.idempotency = IdempotencyKeys(store.engine)
