"""``surefoot doctor``."""

from __future__ import annotations

import socket

from typer.testing import CliRunner

from surefoot.cli import app


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_healthy_installation_passes(runner: CliRunner) -> None:
    """With a migrated store every check is ok and the exit code is zero."""
    runner.invoke(app, ["db", "upgrade"])
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output


def test_unmigrated_store_fails_with_the_fix(runner: CliRunner) -> None:
    """A store whose schema is behind fails the doctor and names `surefoot db upgrade`."""
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "surefoot db upgrade" in result.output


def test_unreachable_store_fails_with_the_fix(runner: CliRunner) -> None:
    """A PostgreSQL URL nobody listens on fails the doctor with a fix-it hint."""
    url = f"postgresql+psycopg://surefoot@127.0.0.1:{_closed_port()}/surefoot"
    result = runner.invoke(app, ["--store-url", url, "doctor"])
    assert result.exit_code == 1
    assert "store reachable" in result.output
    assert "SUREFOOT_STORE__URL" in result.output


def test_invalid_settings_fail_the_doctor(runner: CliRunner) -> None:
    """Invalid settings are reported as a failed check, not a crash."""
    result = runner.invoke(app, ["doctor"], env={"SUREFOOT_TRACING__SAMPLE_RATE": "2"})
    assert result.exit_code == 1
    assert "SUREFOOT_TRACING__SAMPLE_RATE" in result.output


def test_unreachable_collector_is_a_warning_only(runner: CliRunner) -> None:
    """An OTLP collector that is down warns but does not fail the doctor."""
    runner.invoke(app, ["db", "upgrade"])
    endpoint = f"http://127.0.0.1:{_closed_port()}/v1/traces"
    result = runner.invoke(app, ["doctor"], env={"SUREFOOT_OTLP__ENDPOINT": endpoint})
    assert result.exit_code == 0, result.output
    assert "warn" in result.output
