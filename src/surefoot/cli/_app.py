"""The root typer application; each command group lives in its own module."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from surefoot.core import ConfigError, Settings, SurefootError

app = typer.Typer(
    name="surefoot",
    help="Keeps AI in production honest: traces, guard, evals, monitors and the human loop.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Piped output (CI logs, `| less`) gets a wide page instead of rich's 80-column default.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, highlight=False)


class CliState:
    """What the root callback learned: the config file and explicit overrides."""

    def __init__(self, config_file: Path | None) -> None:
        self.config_file = config_file
        self.overrides: dict[str, Any] = {}
        self._settings: Settings | None = None

    def settings(self) -> Settings:
        """The effective settings, built once; a ConfigError stops the command loudly."""
        if self._settings is None:
            self._settings = Settings.load(self.config_file, **self.overrides)
        return self._settings


@app.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="TOML config file (default: $SUREFOOT_CONFIG, else ./surefoot.toml).",
            dir_okay=False,
        ),
    ] = None,
    store_url: Annotated[
        str | None,
        typer.Option("--store-url", help="Store URL; overrides SUREFOOT_STORE__URL and the file."),
    ] = None,
) -> None:
    state = CliState(config)
    if store_url is not None:
        state.overrides["store"] = {"url": store_url}
    ctx.obj = state


def state_of(ctx: typer.Context) -> CliState:
    """The CliState the root callback stored."""
    obj = ctx.find_root().obj
    if not isinstance(obj, CliState):  # invoked without the root callback (tests)
        obj = CliState(None)
        ctx.find_root().obj = obj
    return obj


def fail(exc: SurefootError) -> typer.Exit:
    """Print a surefoot error with its fix and return the exit to raise (2 for config errors)."""
    # Escaped: messages name TOML tables ("[models.chat]"), which markup would swallow.
    err_console.print(f"[bold red]error:[/] {escape(exc.message)}")
    if exc.hint:
        err_console.print(f"[yellow]fix:[/] {escape(exc.hint)}")
    return typer.Exit(code=2 if isinstance(exc, ConfigError) else 1)


def main() -> None:
    """Entry point of the ``surefoot`` script: a surefoot error ends in a message, not a trace."""
    try:
        app()
    except SurefootError as exc:
        raise SystemExit(fail(exc).exit_code) from None
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
