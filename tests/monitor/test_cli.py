"""``surefoot monitor run`` evaluates over the store; ``surefoot monitor status`` shows alerts."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from tests.monitor.spans import Traffic, window_spans
from typer.testing import CliRunner

from surefoot.cli import app
from surefoot.core import Settings
from surefoot.monitor import Monitor
from surefoot.store import Store

# Declared in code and loaded by the CLI through --monitors.
FORMAT_MONITORS = [
    Monitor("format", "output.json_valid", window_s=600, reference_windows=2, fire_after=1)
]


@pytest.fixture(name="runner")
def _runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner in an empty folder whose default store holds a format change in the last window."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("SUREFOOT_")]:
        monkeypatch.delenv(name)
    rng = np.random.default_rng(0)
    width = 600 * 10**9
    now = time.time_ns()
    with Store.open(Settings.load().store) as store:
        for w, traffic in enumerate([Traffic(), Traffic(), Traffic(json_output=False)]):
            start = now - (3 - w) * width
            store.write_spans(window_spans(rng, start, width - 10**9, 40, traffic))
    return CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_run_stores_checks_and_fires_alert(runner: CliRunner) -> None:
    """A run with code-declared monitors reports a breach and status then shows the alert."""
    result = runner.invoke(
        app, ["monitor", "run", "--monitors", "tests.monitor.test_cli:FORMAT_MONITORS", "--json"]
    )
    assert result.exit_code == 0, result.output
    check = json.loads(result.output.splitlines()[0])
    assert check["monitor"] == "format" and check["status"] == "breach"
    status = runner.invoke(app, ["monitor", "status", "--json"])
    alert = json.loads(status.output.splitlines()[0])
    assert alert["state"] == "firing" and alert["trace_ids"]


def test_run_with_default_monitors_prints_a_table(runner: CliRunner) -> None:
    """The default monitor set runs over the store and prints one row per monitor."""
    result = runner.invoke(app, ["monitor", "run", "--window", "10m", "--reference", "2"])
    assert result.exit_code == 0, result.output
    assert "output-format" in result.output and "retrieval-score" in result.output


def test_status_without_alerts_says_so(runner: CliRunner) -> None:
    """With nothing evaluated yet, status says no alerts are firing."""
    result = runner.invoke(app, ["monitor", "status"])
    assert result.exit_code == 0
    assert "no alerts firing" in result.output


def test_bad_monitor_spec_is_a_clear_error(runner: CliRunner) -> None:
    """A --monitors value without a colon fails with a message naming the expected form."""
    result = runner.invoke(app, ["monitor", "run", "--monitors", "nowhere"])
    assert result.exit_code != 0
    assert "package.module:NAME" in str(result.exception) + result.output


def test_monitors_from_the_config_file_are_used(runner: CliRunner, tmp_path: Path) -> None:
    """[monitors.<name>] tables in surefoot.toml replace the default monitor set."""
    (tmp_path / "surefoot.toml").write_text(
        '[monitors.fmt]\nsignal = "output.json_valid"\nwindow_s = 600\n'
        'reference_windows = 2\nfire_after = 1\nseverity = "critical"\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["monitor", "run", "--json"])
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    assert json.loads(line)["monitor"] == "fmt"
    alert = json.loads(runner.invoke(app, ["monitor", "status", "--json"]).output)
    assert alert["severity"] == "critical"
