"""Serving with several worker processes: each builds the same app from the same settings.

One Python process runs one request's code at a time; on a machine with spare cores, worker
processes behind one listening socket raise the gateway's throughput the way replicas do. What
must be shared between them (API keys, idempotency keys, per-key rate limits, traces) already is,
through the store; circuit breakers and bulkheads stay per process.
"""

from __future__ import annotations

import atexit
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn

from surefoot import tracing
from surefoot.core import ConfigError, Settings
from surefoot.server._aliases import build_gateway
from surefoot.server._app import create_app
from surefoot.server._run import start_process, uvicorn_defaults

if TYPE_CHECKING:
    from collections.abc import Mapping

    from fastapi import FastAPI

__all__ = ["run_workers", "worker_app"]

_ARGS_ENV = "SUREFOOT_SERVE_WORKER_ARGS"


def run_workers(
    workers: int,
    settings: Settings,
    *,
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    **uvicorn_options: Any,
) -> None:
    """Serve with ``workers`` processes until interrupted; each records its own traces.

    Every worker loads its settings as the caller did (the same config file, overrides and
    environment), builds the gateway and the app, starts tracing and freezes its start-up heap,
    as :func:`~surefoot.server.run_server` does for one process.

    Args:
        workers: worker processes, at least 2 (one process needs no supervisor: use
            :func:`~surefoot.server.run_server`).
        settings: the settings the workers will load; ``server.host``, ``server.port`` and
            ``log_level`` apply here.
        config_file: the TOML file the settings came from, if one was named.
        overrides: the explicit overrides the settings were loaded with.
        **uvicorn_options: passed to :func:`uvicorn.run`.

    Raises:
        ConfigError: fewer than 2 workers, or overrides that are not JSON.
    """
    if workers < 2:
        raise ConfigError(
            f"run_workers needs at least 2 workers, not {workers}",
            hint="serve one process with run_server(create_app(settings), settings)",
        )
    try:
        args = json.dumps(
            {
                "config_file": None if config_file is None else str(config_file),
                "overrides": dict(overrides or {}),
            }
        )
    except TypeError as exc:
        raise ConfigError(
            f"the settings overrides cannot be handed to worker processes: {exc}",
            hint="pass overrides as plain JSON values (strings, numbers, lists, dicts)",
        ) from exc
    os.environ[_ARGS_ENV] = args  # the workers are spawned with this environment
    options = uvicorn_defaults(settings, uvicorn_options)
    uvicorn.run(f"{__name__}:worker_app", factory=True, workers=workers, **options)


def worker_app() -> FastAPI:
    """The app of one worker process (uvicorn calls this in each worker).

    Raises:
        ConfigError: not started by :func:`run_workers`, or the settings are invalid.
    """
    raw = os.environ.get(_ARGS_ENV)
    if raw is None:
        raise ConfigError(
            f"{_ARGS_ENV} is not set: worker_app runs only in workers that run_workers starts",
            hint="run `surefoot serve --workers N`",
        )
    args = json.loads(raw)
    config_file = args["config_file"]
    settings = Settings.load(
        None if config_file is None else Path(config_file), **args["overrides"]
    )
    gateway = build_gateway(settings.models, os.environ) if settings.models else None
    app = create_app(settings, gateway=gateway)  # opens its store at start-up, closes it at exit
    start_process(settings)
    atexit.register(tracing.shutdown, settings.recorder.shutdown_timeout_s)
    return app
