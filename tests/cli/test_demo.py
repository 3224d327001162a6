"""``surefoot demo``: the end-to-end scenario."""

from __future__ import annotations

from typer.testing import CliRunner

from surefoot.cli import app
from surefoot.core import Settings
from surefoot.store import Store, TraceQuery


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


def test_the_demos_fictional_models_are_priced(runner: CliRunner) -> None:
    """Its model calls cost something (from the demo's own price table), as real ones would."""
    args = ["demo", "--requests", "10", "--guard-requests", "8", "--no-gateway"]
    assert runner.invoke(app, args).exit_code == 0
    with Store.open(Settings.load().store, migrate=False) as store:
        traces = store.list_traces(TraceQuery(limit=1_000))
    priced = [t for t in traces if t.model and t.model.startswith("nimbus-")]
    assert priced and all(t.cost_usd > 0 for t in priced if t.input_tokens)
