"""Across processes: duplicates execute exactly once, and a killed worker is resumed or reported."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from surefoot.actions import Actions
from surefoot.core import ActionStatus, ReviewOrigin
from surefoot.store import Store

WORKER = Path(__file__).with_name("_worker.py")


def _load_worker(out: Path) -> ModuleType:
    # The parent registers the same action definitions, so recover() can find them by name.
    spec = importlib.util.spec_from_file_location("surefoot_test_actions_worker", WORKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.OUT["file"] = out
    return module


def _run(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(WORKER), *args], stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_a_thousand_duplicates_from_four_processes_run_exactly_one_hundred(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    """1,000 concurrent submissions of 100 actions from 4 processes x 4 threads run 100 effects."""
    out = tmp_path / "effects.txt"
    # Each process submits 2-3 copies of every action, 10 copies in all: 4 x 250 = 1,000.
    copies = [3, 3, 2, 2]
    procs = [
        _run("duplicates", store_url, str(out), str(w), "4", "100", str(c))
        for w, c in enumerate(copies)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    lines = out.read_text(encoding="utf-8").split()
    assert len(lines) == 100
    assert sorted(map(int, lines)) == list(range(100))
    assert Actions(store).verify_audit() is None


def _kill_mid_action(store_url: str, out: Path, name: str) -> None:
    proc = _run("crash", store_url, str(out), name, "0.5")
    deadline = time.monotonic() + 30
    while not out.with_suffix(".effect").exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "the worker never reached its side effect"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)
    time.sleep(0.6)  # let the worker's 0.5 s lease lapse


def test_killed_resumable_action_is_resumed_without_a_second_effect(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    """SIGKILL after the effect: recover() re-runs it, and the key-checked effect stays single."""
    out = tmp_path / "effects.txt"
    _load_worker(out)
    _kill_mid_action(store_url, out, "slow")
    actions = Actions(store)
    assert actions.get("crash-key").status is ActionStatus.IN_FLIGHT  # type: ignore[union-attr]
    report = actions.recover()
    assert report.resumed == ["crash-key"]
    record = actions.get("crash-key")
    assert record is not None and record.status is ActionStatus.SUCCEEDED
    assert record.attempts == 2
    assert out.read_text(encoding="utf-8").split() == ["crash-key"]
    assert actions.recover().resumed == []


def test_killed_fragile_action_is_reported_not_rerun(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    """SIGKILL of a non-resumable action: recover() marks it unknown and asks a human."""
    out = tmp_path / "effects.txt"
    _load_worker(out)
    _kill_mid_action(store_url, out, "fragile")
    actions = Actions(store)
    report = actions.recover()
    assert report.reported == ["crash-key"] and report.resumed == []
    assert actions.get("crash-key").status is ActionStatus.UNKNOWN  # type: ignore[union-attr]
    items = actions.reviews.list_items()
    assert [(i.origin, i.subject) for i in items] == [(ReviewOrigin.RECOVERY, "crash-key")]
    assert out.read_text(encoding="utf-8").split() == ["fragile-7"]
