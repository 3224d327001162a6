"""``surefoot db``: schema migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from surefoot.cli._app import app, console, state_of
from surefoot.core import Settings, mask_url
from surefoot.store import create_engine, migration_status, upgrade

if TYPE_CHECKING:
    from sqlalchemy import Engine

db_app = typer.Typer(help="Manage the store's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _engine(settings: Settings) -> Engine:
    store = settings.store
    return create_engine(
        store.url, connect_timeout_s=store.connect_timeout_s, pool_size=store.pool_size
    )


@db_app.command("upgrade")
def upgrade_cmd(ctx: typer.Context) -> None:
    """Create the schema or bring it to the newest revision (safe to run repeatedly)."""
    settings = state_of(ctx).settings()
    engine = _engine(settings)
    try:
        before = migration_status(engine)
        upgrade(engine)
        after = migration_status(engine)
    finally:
        engine.dispose()
    where = mask_url(settings.store.url)
    if before.current == after.current:
        console.print(f"{where}: already at revision [bold]{after.current}[/] (newest)")
    else:
        console.print(f"{where}: upgraded {before.current or 'empty'} → [bold]{after.current}[/]")


@db_app.command("status")
def status_cmd(ctx: typer.Context) -> None:
    """Show the schema revision; exit 1 when it is behind this version of surefoot."""
    settings = state_of(ctx).settings()
    engine = _engine(settings)
    try:
        status = migration_status(engine)
    finally:
        engine.dispose()
    console.print(f"store    {mask_url(settings.store.url)}")
    console.print(f"current  {status.current or '(empty database)'}")
    console.print(f"newest   {status.head}")
    if not status.is_current:
        console.print("[yellow]behind:[/] run `surefoot db upgrade`")
        raise typer.Exit(1)
