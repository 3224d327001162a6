"""Running the server the way ``surefoot serve`` does: traces recorded, heap frozen, uvicorn."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

import uvicorn

from surefoot import tracing

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from surefoot.core import Settings

__all__ = ["run_server"]


def run_server(app: ASGIApp, settings: Settings, **uvicorn_options: Any) -> None:
    """Serve ``app`` under uvicorn until interrupted, recording every request's trace.

    Tracing starts with ``settings`` (``tracing.enabled = false`` turns it off), so the
    gateway's guard, attempt and model spans reach the store and the ``x-surefoot-trace-id``
    header names a stored trace. Before serving, the heap built at start-up (the imported
    libraries, the app) is frozen out of the garbage collector: a full collection would walk
    those few hundred thousand objects and stall every request in flight for tens of
    milliseconds. On exit the recorder flushes; what it cannot write stays in its spool.

    Args:
        app: the ASGI app, usually :func:`~surefoot.server.create_app`'s.
        settings: the settings; ``server.host``, ``server.port``, ``log_level`` and
            ``tracing`` apply.
        **uvicorn_options: passed to :func:`uvicorn.run` over the defaults from ``settings``.
    """
    options: dict[str, Any] = {
        "host": settings.server.host,
        "port": settings.server.port,
        "log_level": settings.log_level.lower(),
        **uvicorn_options,
    }
    tracing.init(settings)
    try:
        gc.collect()
        gc.freeze()
        uvicorn.run(app, **options)
    finally:
        gc.unfreeze()
        tracing.shutdown(settings.recorder.shutdown_timeout_s)
