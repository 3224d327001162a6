"""``surefoot config``: the effective settings and where each came from."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from surefoot.cli._app import app, console, state_of
from surefoot.core import explain_settings

config_app = typer.Typer(help="Inspect settings.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Print every setting, its effective value (secrets masked) and its source."""
    state = state_of(ctx)
    settings = state.settings()
    origins = explain_settings(settings, config_file=state.config_file, **state.overrides)
    if as_json:
        for o in origins:
            row = {"name": o.name, "value": o.value, "source": o.source, "env": o.env_var}
            typer.echo(json.dumps(row))
        return
    table = Table(title="surefoot settings", title_justify="left")
    for column in ("setting", "value", "source", "environment variable"):
        table.add_column(column)
    styles = {"argument": "bold", "environment": "cyan", "file": "green", "default": "dim"}
    for o in origins:
        table.add_row(o.name, o.value, f"[{styles[o.source]}]{o.source}[/]", o.env_var)
    console.print(table)
