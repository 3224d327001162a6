"""``surefoot db upgrade`` and ``surefoot db status``."""

from __future__ import annotations

from typer.testing import CliRunner

from surefoot.cli import app


def test_status_of_an_empty_database_says_to_upgrade(runner: CliRunner) -> None:
    """A database never migrated is reported as behind, with the command that fixes it."""
    result = runner.invoke(app, ["db", "status"])
    assert result.exit_code == 1
    assert "surefoot db upgrade" in result.output


def test_upgrade_is_idempotent_and_leaves_the_schema_current(runner: CliRunner) -> None:
    """Running upgrade twice succeeds both times and status then reports current."""
    first = runner.invoke(app, ["db", "upgrade"])
    second = runner.invoke(app, ["db", "upgrade"])
    status = runner.invoke(app, ["db", "status"])
    assert first.exit_code == 0, first.output
    assert "upgraded" in first.output
    assert "already at revision" in second.output
    assert status.exit_code == 0
