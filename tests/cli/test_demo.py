"""``surefoot demo``: the end-to-end scenario."""

from __future__ import annotations

from typer.testing import CliRunner

from surefoot.cli import app


def test_demo_records_traces_and_shows_the_guard_at_work(runner: CliRunner) -> None:
    """A short demo run records traces, opens and closes the breaker, and flags the upgrade."""
    args = ["demo", "--requests", "40", "--guard-requests", "8", "--no-gateway"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "40 requests in" in result.output
    assert "closed → open" in result.output
    assert "half_open → closed" in result.output
    assert "A support request that failed validation" in result.output
    assert "MISMATCH" in result.output
    assert "0 dropped" in result.output
