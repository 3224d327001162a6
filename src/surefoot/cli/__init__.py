"""The ``surefoot`` command line."""

from surefoot.cli._app import app, main

__all__ = ["app", "main"]
