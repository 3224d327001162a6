"""``surefoot incidents`` and ``surefoot monitor run --every`` on the default store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from tests.monitor.spans import Traffic, window_spans
from typer.testing import CliRunner

from surefoot.cli import app
from surefoot.cli._demo_monitor import run_monitor_act
from surefoot.core import Settings
from surefoot.store import Store
from surefoot.testing import WebhookReceiver


def _incident_id() -> str:
    incident = run_monitor_act(Console(file=None, record=True, width=160, quiet=True))
    assert incident is not None
    return incident.incident_id


def test_list_shows_the_open_incident(runner: CliRunner) -> None:
    """incidents list --json prints the demo's incident with its severity and state."""
    incident_id = _incident_id()
    result = runner.invoke(app, ["incidents", "list", "--json"])
    assert result.exit_code == 0, result.output
    listed = [json.loads(line) for line in result.output.splitlines()]
    assert [(i["incident_id"], i["severity"]) for i in listed] == [(incident_id, "critical")]


def test_show_prints_alerts_timeline_and_deliveries(runner: CliRunner) -> None:
    """incidents show prints the runbook, the timeline and the webhook delivery status."""
    result = runner.invoke(app, ["incidents", "show", _incident_id()])
    assert result.exit_code == 0, result.output
    for text in ("runbook:", "alert_fired", "webhook_delivered", "ops-slack", "delivered"):
        assert text in result.output


def test_resolve_by_a_person_closes_the_incident(runner: CliRunner) -> None:
    """incidents resolve --by records who resolved it; list then shows no open incident."""
    incident_id = _incident_id()
    result = runner.invoke(
        app, ["incidents", "resolve", incident_id, "--by", "ana", "--note", "reindexed"]
    )
    assert result.exit_code == 0, result.output
    assert "resolved by ana" in result.output
    assert "no open incidents" in runner.invoke(app, ["incidents", "list"]).output


def test_note_is_added_to_the_timeline(runner: CliRunner) -> None:
    """incidents note appends a note by the given person."""
    incident_id = _incident_id()
    runner.invoke(app, ["incidents", "note", incident_id, "index rebuilt", "--by", "ana"])
    shown = json.loads(runner.invoke(app, ["incidents", "show", incident_id, "--json"]).output)
    assert shown["timeline"][-1] | {"at_ns": 0} == {
        "incident_id": incident_id, "seq": shown["timeline"][-1]["seq"], "kind": "note",
        "at_ns": 0, "actor": "ana", "message": "index rebuilt",
    }  # fmt: skip


def test_unknown_incident_fails_naming_the_list_command(runner: CliRunner) -> None:
    """Showing an unknown id fails with a message pointing at incidents list."""
    _incident_id()
    result = runner.invoke(app, ["incidents", "ack", "f" * 32, "--by", "ana"])
    assert result.exit_code != 0
    assert "incidents list" in str(result.exception) + result.output


def test_scheduled_run_evaluates_stored_profiles(runner: CliRunner, workdir: Path) -> None:
    """monitor run --every with --passes 1 runs one scheduler pass over config-file monitors."""
    (workdir / "surefoot.toml").write_text(
        '[monitors.scores]\nsignal = "score"\nsource = "app"\nmethod = "mean_below"\n'
        "threshold = 0.5\nwindow_s = 300\nfire_after = 1\n"
        "[monitoring]\nprofile_window_s = 300\nlateness_s = 0\n"
    )
    runner.invoke(app, ["db", "upgrade"])
    result = runner.invoke(app, ["monitor", "run", "--every", "1s", "--passes", "1", "--json"])
    assert result.exit_code == 0, result.output
    check = json.loads(result.output.splitlines()[0])
    assert check["monitor"] == "scores" and check["status"] == "insufficient"


def test_one_shot_run_files_incidents_and_sends_webhooks(runner: CliRunner, workdir: Path) -> None:
    """monitor run without --every also groups alerts into incidents and delivers webhooks."""
    width = 600 * 10**9
    now = time.time_ns()
    rng = np.random.default_rng(0)
    with Store.open(Settings.load().store) as store:
        for w, traffic in enumerate([Traffic(), Traffic(), Traffic(json_output=False)]):
            store.write_spans(window_spans(rng, now - (3 - w) * width, width - 10**9, 40, traffic))
    with WebhookReceiver() as hook:
        (workdir / "surefoot.toml").write_text(
            '[monitors.fmt]\nsignal = "output.json_valid"\nwindow_s = 600\nreference_windows = 2\n'
            f'fire_after = 1\nseverity = "critical"\n[webhooks.ops]\nurl = "{hook.url}"\n'
        )
        result = runner.invoke(app, ["monitor", "run", "--json"])
        assert result.exit_code == 0, result.output
        assert [r.json["event"] for r in hook.received] == ["alert.fired"]
    listed = runner.invoke(app, ["incidents", "list", "--json"]).output.splitlines()
    assert len(listed) == 1 and json.loads(listed[0])["title"] == "traces: fmt"


def test_scheduler_loop_stops_on_sigterm(runner: CliRunner, workdir: Path) -> None:
    """monitor run --every keeps running until SIGTERM, then finishes its pass and exits 0."""
    runner.invoke(app, ["db", "upgrade"])
    command = [sys.executable, "-m", "surefoot.cli", "monitor", "run", "--every", "1h", "--json"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
        assert process.stdout is not None
        first = process.stdout.readline()  # one JSON check: the first pass has run
        assert json.loads(first)["monitor"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
