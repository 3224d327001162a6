"""Running the server the way ``surefoot serve`` does: traces recorded, heap frozen, uvicorn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import uvicorn

from surefoot import tracing
from surefoot.core import _heap
from surefoot.server._protocol import http_protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

    from starlette.types import ASGIApp

    from surefoot.core import Settings

__all__ = ["SERVER_BATCH_SIZE", "run_server", "start_process", "uvicorn_defaults"]

SERVER_BATCH_SIZE = 256
"""Spans per store transaction in a serving process when ``recorder.batch_size`` is unset."""


def run_server(app: ASGIApp, settings: Settings, **uvicorn_options: Any) -> None:
    """Serve ``app`` under uvicorn until interrupted, recording every request's trace.

    Tracing starts with ``settings`` (``tracing.enabled = false`` turns it off), so the
    gateway's guard and model spans reach the store and the ``x-surefoot-trace-id`` header
    names a stored trace. Before serving, the heap built at start-up is frozen out of the
    garbage collector and young collections are made rarer (:func:`start_process`). On exit
    the recorder flushes; what it cannot write stays in its spool.

    Args:
        app: the ASGI app, usually :func:`~surefoot.server.create_app`'s.
        settings: the settings; ``server.host``, ``server.port``, ``log_level`` and
            ``tracing`` apply.
        **uvicorn_options: passed to :func:`uvicorn.run` over the defaults from ``settings``.
    """
    start_process(settings)
    try:
        uvicorn.run(app, **uvicorn_defaults(settings, uvicorn_options))
    finally:
        _heap.release()
        tracing.shutdown(settings.recorder.shutdown_timeout_s)


def start_process(settings: Settings) -> None:
    """What every serving process does before it serves: start tracing, settle the heap
    (:func:`surefoot.core._heap.settle`: start-up frozen, young collections rarer).

    Spans are redacted, spooled and written by a child process unless ``recorder.offload`` is
    set to false: on threads of the server they hold the interpreter lock its event loop needs
    (:mod:`surefoot.tracing._offload` has the numbers). Unless ``recorder.batch_size`` is set,
    that child writes :data:`SERVER_BATCH_SIZE` spans per transaction.
    """
    recorder = settings.recorder
    update: dict[str, Any] = {}
    if recorder.offload is None:  # unset: a server records from a child process
        update["offload"] = True
    if "batch_size" not in recorder.model_fields_set:
        # Unset: shorter bursts of work in the recorder's child, which the server's p99 feels
        # (at saturation, 24 ms with 256 against 28-29 with 1024; docs/server.md).
        update["batch_size"] = SERVER_BATCH_SIZE
    if update:
        settings = settings.model_copy(update={"recorder": recorder.model_copy(update=update)})
    tracing.init(settings)
    _heap.settle()


def uvicorn_defaults(settings: Settings, options: Mapping[str, Any]) -> dict[str, Any]:
    """uvicorn's options: ``settings``' host, port and log level, and the protocol that writes
    each response in one piece (:mod:`surefoot.server._protocol`), under the explicit ones."""
    return {
        "host": settings.server.host,
        "port": settings.server.port,
        "log_level": settings.log_level.lower(),
        "http": http_protocol(),
        **options,
    }
