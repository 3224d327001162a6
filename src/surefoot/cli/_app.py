"""The root typer application; each command group lives in its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="surefoot",
    help="Keeps AI in production honest: traces, guard, evals, monitors and the human loop.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def main() -> None:
    """Entry point of the ``surefoot`` script."""
    app()
