"""``surefoot actions``: list, show, recover, audit verify and the worker, on a real store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from surefoot.actions import Actions, action
from surefoot.cli import app
from surefoot.core import ActionRecord, ActionStatus, StoreSettings
from surefoot.store import Store
from surefoot.store._schema_loop import action_audit


@action("test.cli_note")
def note(text: str) -> str:
    return text.upper()


@pytest.fixture(name="url")
def _url(tmp_path: Path) -> str:
    """A file store with two actions: one succeeded, one stale in flight (its worker died)."""
    url = f"sqlite:///{tmp_path / 'actions.db'}"
    with Store.open(StoreSettings(url=url)) as store:
        actions = Actions(store, owner="test")
        note.submit(actions, "n1", text="hello")
        stale = ActionRecord(
            key="n2",
            name="test.cli_note",
            fingerprint="0" * 64,
            status=ActionStatus.IN_FLIGHT,
            params={"text": "lost"},
            owner="dead-worker",
            lease_expires_ns=1,
            attempts=1,
            created_ns=time.time_ns(),
        )
        actions.records.claim(stale, actor="test", reason="a worker that died")
    return url


@pytest.fixture(name="runner")
def _runner() -> CliRunner:
    """A runner with a wide terminal."""
    return CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_list_and_show(runner: CliRunner, url: str) -> None:
    """List prints every action; show prints one with its audit trail."""
    listed = runner.invoke(app, ["--store-url", url, "actions", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["key"], r["status"]) for r in rows] == [("n1", "succeeded"), ("n2", "in_flight")]
    shown = runner.invoke(app, ["--store-url", url, "actions", "show", "n1", "--json"])
    body = json.loads(shown.stdout)
    assert body["result"] == "HELLO"
    assert [e["event"] for e in body["audit"]] == ["claimed", "succeeded"]


def test_show_unknown_key_fails_with_a_fix(runner: CliRunner, url: str) -> None:
    """An unknown key exits 1 and says how to find keys."""
    shown = runner.invoke(app, ["--store-url", url, "actions", "show", "nope"])
    assert shown.exit_code == 1 and "surefoot actions list" in shown.output


def test_recover_reports_a_stale_action(runner: CliRunner, url: str) -> None:
    """A stale, non-resumable action is reported as unknown and sent to review."""
    done = runner.invoke(app, ["--store-url", url, "actions", "recover"])
    assert done.exit_code == 0, done.output
    assert "reported (1): n2" in done.stdout
    again = runner.invoke(app, ["--store-url", url, "actions", "recover"])
    assert "nothing to recover" in again.stdout


def test_recover_refuses_an_unimportable_module(runner: CliRunner, url: str) -> None:
    """Naming a module that cannot be imported exits 1 with a fix, touching nothing."""
    done = runner.invoke(app, ["--store-url", url, "actions", "recover", "-i", "no.such.mod"])
    assert done.exit_code == 1 and "cannot import 'no.such.mod'" in done.output


def test_audit_verify_passes_then_names_the_tampered_row(runner: CliRunner, url: str) -> None:
    """An intact chain exits 0; after editing row 2 verify exits 1 naming row 2."""
    ok = runner.invoke(app, ["--store-url", url, "actions", "audit", "verify"])
    assert ok.exit_code == 0 and "intact: 3 rows" in ok.stdout
    with Store.open(StoreSettings(url=url)) as store, store.engine.begin() as conn:
        conn.execute(update(action_audit).where(action_audit.c.seq == 2).values(actor="mallory"))
    bad = runner.invoke(app, ["--store-url", url, "actions", "audit", "verify"])
    assert bad.exit_code == 1
    assert "broken at row 2" in bad.output and "'n1'" in bad.output


def test_worker_stops_on_sigterm(url: str) -> None:
    """The worker process sweeps until SIGTERM, then exits 0 saying it stopped."""
    env = {**os.environ, "NO_COLOR": "1"}
    cmd = [sys.executable, "-m", "surefoot.cli", "--store-url", url, "actions", "worker"]
    proc = subprocess.Popen(
        [*cmd, "--every", "0.05s"],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert "sweeping every 0.05s" in first
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "action worker stopped" in err
