"""``surefoot demo``: the end-to-end scenario on embedded defaults."""

from __future__ import annotations

from surefoot.cli._app import app


@app.command()
def demo() -> None:
    """Run the end-to-end scenario and show what surefoot recorded."""
