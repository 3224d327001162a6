"""``surefoot config show``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from surefoot.cli import app


def test_json_output_names_each_source(runner: CliRunner, workdir: Path) -> None:
    """Each setting comes with the source of its value: file, environment or default."""
    (workdir / "surefoot.toml").write_text("[recorder]\nbatch_size = 7\n", encoding="utf-8")
    result = runner.invoke(
        app, ["config", "show", "--json"], env={"SUREFOOT_TRACING__SAMPLE_RATE": "0.5"}
    )
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in map(json.loads, result.output.splitlines())}
    assert rows["recorder.batch_size"]["source"] == "file"
    assert rows["tracing.sample_rate"]["source"] == "environment"
    assert rows["store.url"]["source"] == "default"


def test_store_url_option_is_an_argument_override(runner: CliRunner) -> None:
    """--store-url wins over everything and its password is masked."""
    url = "postgresql+psycopg://app:hunter2@db/sf"
    result = runner.invoke(app, ["--store-url", url, "config", "show", "--json"])
    row = next(r for r in map(json.loads, result.output.splitlines()) if r["name"] == "store.url")
    assert row["source"] == "argument"
    assert "hunter2" not in result.output


def test_invalid_setting_exits_two_with_the_variable_name(runner: CliRunner) -> None:
    """A bad value in the environment stops the command and names the variable."""
    result = runner.invoke(app, ["config", "show"], env={"SUREFOOT_RECORDER__BATCH_SIZE": "zero"})
    assert result.exit_code != 0
    assert "SUREFOOT_RECORDER__BATCH_SIZE" in str(result.exception) + result.output
