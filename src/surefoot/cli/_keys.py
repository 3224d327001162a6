"""``surefoot keys``: API keys of the server, created once, listed without secrets, revoked."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from surefoot.cli._app import app, console, err_console, state_of
from surefoot.cli._time import format_ns
from surefoot.core import InvalidInput
from surefoot.store import ApiKeys, ApiKeyScope, IdempotencyKeys, Store

keys_app = typer.Typer(help="Manage the server's API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def create_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="What the key is for (shown in lists and errors).")],
    scope: Annotated[
        list[ApiKeyScope],
        typer.Option(help="A scope to grant; repeat for several. admin grants all."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the key as JSON.")] = False,
) -> None:
    """Create an API key and print it once: only its hash is stored."""
    with Store.open(state_of(ctx).settings().store) as store:
        key, text = ApiKeys(store.engine).create(name, scope)
    if as_json:
        typer.echo(json.dumps({"id": key.key_id, "name": key.name, "key": text}))
        return
    err_console.print(
        f"created key [bold]{key.key_id}[/] ({', '.join(sorted(key.scopes))}); it is shown "
        "once, store it now:"
    )
    typer.echo(text)


@keys_app.command("list")
def list_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List API keys (never their secrets), oldest first."""
    with Store.open(state_of(ctx).settings().store, migrate=False) as store:
        keys = ApiKeys(store.engine).list()
    if as_json:
        for key in keys:
            row = {
                "id": key.key_id,
                "name": key.name,
                "scopes": sorted(key.scopes),
                "created_ns": key.created_ns,
                "revoked_ns": key.revoked_ns,
            }
            typer.echo(json.dumps(row))
        return
    table = Table(title=f"{len(keys)} API keys", title_justify="left")
    for column in ("id", "name", "scopes", "created", "status"):
        table.add_column(column)
    for key in keys:
        status = "active" if key.active else f"revoked {format_ns(key.revoked_ns or 0)}"
        scopes = ", ".join(sorted(key.scopes))
        table.add_row(key.key_id, Text(key.name), scopes, format_ns(key.created_ns), status)
    console.print(table)


@keys_app.command("revoke")
def revoke_cmd(
    ctx: typer.Context, key_id: Annotated[str, typer.Argument(help="The key's id.")]
) -> None:
    """Revoke an API key; servers refuse it within server.key_cache_s."""
    with Store.open(state_of(ctx).settings().store, migrate=False) as store:
        revoked = ApiKeys(store.engine).revoke(key_id)
    if not revoked:
        raise InvalidInput(
            f"no active API key {key_id!r}", hint="`surefoot keys list` shows the ids"
        )
    console.print(f"revoked {key_id}")


@keys_app.command("purge-idempotency")
def purge_idempotency_cmd(
    ctx: typer.Context,
    batch: Annotated[
        int, typer.Option(min=1, max=100_000, help="Rows deleted per transaction.")
    ] = 1000,
) -> None:
    """Delete expired Idempotency-Key rows now; running servers also purge on a schedule."""
    with Store.open(state_of(ctx).settings().store, migrate=False) as store:
        keys = IdempotencyKeys(store.engine)
        total = 0
        # Short transactions until a batch comes back short: nothing expired is left.
        while (deleted := keys.purge_expired(limit=batch)) > 0:
            total += deleted
            if deleted < batch:
                break
    console.print(f"purged {total} expired idempotency keys")
