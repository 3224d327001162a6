"""``surefoot serve``: the API server under uvicorn."""

from __future__ import annotations

import functools
import os
from typing import Annotated

import typer

from surefoot.cli._app import app, err_console, state_of
from surefoot.core import mask_url
from surefoot.server import (
    build_gateway,
    check_exposure,
    create_app,
    run_server,
    run_workers,
)
from surefoot.store import ApiKeys, Store


@app.command("serve")
def serve_cmd(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default server.host, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=0, max=65_535, help="Port (default server.port, 8000).")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes behind the port; more than one uses spare cores. Keys, "
            "idempotency, rate limits and traces are shared through the store; breakers are not.",
        ),
    ] = 1,
) -> None:
    """Serve OTLP ingest, the REST API, /metrics and the gateway until interrupted.

    Every gateway request is traced into the store (tracing.enabled = false turns it off).

    The gateway serves the models.<alias> tables of surefoot.toml; without any, it is off.
    Refuses to start when the bind would expose unauthenticated endpoints to the network, or
    when a model alias is misconfigured.
    """
    state = state_of(ctx)
    server = {"host": host, "port": port}
    state.overrides["server"] = {k: v for k, v in server.items() if v is not None}
    settings = state.settings()
    # Built before the store opens: a misconfigured alias stops the start, loudly.
    gateway = build_gateway(settings.models, os.environ) if settings.models else None
    store = Store.open(settings.store)
    try:
        check_exposure(settings.server, active_keys=ApiKeys(store.engine).any_active())
        where = f"http://{settings.server.host}:{settings.server.port}"
        # Plain lines, never wrapped: they end up in logs, where a URL cut in two is no use.
        say = functools.partial(err_console.print, markup=False, soft_wrap=True)
        say(
            f"surefoot serving {where} (store {mask_url(settings.store.url)}, "
            f"auth {settings.server.auth})"
        )
        if gateway is not None:
            say(f"gateway models: {', '.join(gateway.aliases)}")
        else:
            say(
                "gateway off: no [models.<alias>] table in the settings; add one to serve "
                "/v1/chat/completions (docs/server.md, The gateway)"
            )
        if workers > 1:
            say(f"{workers} worker processes")
            store.close()  # each worker opens its own
            run_workers(workers, settings, config_file=state.config_file, overrides=state.overrides)
        else:
            run_server(create_app(settings, store=store, gateway=gateway), settings)
    finally:
        store.close()
