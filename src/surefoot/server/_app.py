"""The app factory: routes, middleware, error handlers and the store's lifecycle."""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import time
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from starlette.routing import Route

from surefoot import __version__
from surefoot.review import ReviewQueue, ReviewQueueSink
from surefoot.server import (
    _api,
    _embeddings,
    _gateway,
    _health,
    _ingest,
    _monitor_api,
    _review_api,
)
from surefoot.server._aliases import Gateway, build_gateway
from surefoot.server._auth import Authenticator
from surefoot.server._errors import install_handlers
from surefoot.server._fastpath import FastRoute, SurefootApp
from surefoot.server._housekeeping import BackgroundJobs, Periodic, apurge_idempotency
from surefoot.server._ingest import IngestWriter
from surefoot.server._metrics import Metrics, MetricsMiddleware
from surefoot.server._ratelimit import BodySizeLimit
from surefoot.server._shared_limit import SharedRateLimit
from surefoot.server._state import ServerState
from surefoot.store import ApiKeys, IdempotencyKeys, RateLimitCounters, Store

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
    wall_clock: Callable[[], float] | None = None,
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
            gateway routes at all. A guard without an escalation sink is given one on the
            store's review queue, so what it escalates waits there for a human.
        clock: monotonic seconds for key caching and rate limits (tests inject one).
        wall_clock: Unix seconds for the rate-limit windows shared with other replicas through
            the store (tests inject one).

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
    state.wall_clock = time.time if wall_clock is None else wall_clock

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if state.store is None:
            _attach(state, Store.open(settings.store), owned=True)
        jobs = _background_jobs(state)
        jobs.start()
        try:
            yield
        finally:
            await jobs.stop()
            if gateway is not None:
                # Async connection pools are bound to this event loop: close them with it.
                await gateway.aclose()
            if state.owns_store and state.store is not None:
                state.store.close()
                state.store = None

    app = SurefootApp(
        **_NO_FASTAPI_TELEMETRY,
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
        app.include_router(_embeddings.router)
        # The fast twin answers, before the middleware stack; the router's route above
        # documents the operation.
        fast = Route("/v1/chat/completions", _gateway.fast_chat_completions, methods=["POST"])
        app.router.routes.insert(0, fast)
        max_bytes = settings.server.max_request_bytes
        app.fast_posts[fast.path] = FastRoute(
            fast, _gateway.fast_chat_completions, metrics, max_bytes
        )
        metrics.watch_gateway(gateway.upstreams())
    for router in (_health.probes, _health.router, _ingest.router, _api.router):
        app.include_router(router)
    app.include_router(_review_api.router)
    app.include_router(_monitor_api.router)
    # Outermost last: metrics time everything, including refusals by the size cap.
    app.add_middleware(BodySizeLimit, max_bytes=settings.server.max_request_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


# surefoot traces requests itself; FastAPI's own OpenTelemetry (0.165+) would trace them twice
# and costs a provider check on every request.
_NO_FASTAPI_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)


def _background_jobs(state: ServerState) -> BackgroundJobs:
    jobs = BackgroundJobs()
    gateway_settings = state.settings.gateway
    keys, metrics = state.idempotency, state.metrics
    if keys is not None and gateway_settings.idempotency_purge_interval_s > 0:
        batch = gateway_settings.idempotency_purge_batch
        jobs.add(
            Periodic(
                "idempotency purge",
                gateway_settings.idempotency_purge_interval_s,
                functools.partial(apurge_idempotency, keys, batch=batch),
                on_done=lambda n: metrics.idempotency_purged.inc(n if isinstance(n, int) else 0),
                on_error=lambda _: metrics.background_failures.labels("idempotency_purge").inc(),
            )
        )
    limiter, counters = state.auth.shared, state.rate_counters
    if limiter is not None and counters is not None:
        jobs.add(
            Periodic(
                "rate-limit sync",
                state.settings.server.rate_limit_sync_s,
                functools.partial(limiter.sync, counters),
                on_error=lambda _: metrics.background_failures.labels("rate_limit_sync").inc(),
            )
        )
    return jobs


def _attach(state: ServerState, store: Store, *, owned: bool) -> None:
    state.store = store
    state.owns_store = owned
    if state.gateway is not None:
        # A request a guard escalates goes to the review queue, where `surefoot review` and
        # /api/v1/review find it, unless its guard was given a sink of its own.
        sink = ReviewQueueSink(ReviewQueue(store))
        for guard in state.gateway.all_guards():
            if guard.escalation is None:
                guard.escalation = sink
    state.ingest = IngestWriter(store, state.settings.tracing)
    state.auth.keys = ApiKeys(store.engine)
    state.idempotency = IdempotencyKeys(store.engine)
    server = state.settings.server
    if server.rate_limit_per_s > 0 and server.rate_limit_sync_s > 0:
        state.rate_counters = RateLimitCounters(store.engine)
        limit = server.rate_limit_per_s * server.rate_limit_window_s
        state.auth.shared = SharedRateLimit(limit, server.rate_limit_window_s, state.wall_clock)
