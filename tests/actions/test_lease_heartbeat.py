"""Lease heartbeats: a side effect slower than the lease is never taken over while it runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from surefoot.actions import ActionDefinition, Actions, RecoveryReport, action
from surefoot.core import ActionRecord, ActionStatus, ConfigError
from surefoot.store import Store

effects: list[str] = []


@action("test.slow_fragile")
def slow_fragile(seconds: float) -> str:
    effects.append("fragile")
    time.sleep(seconds)
    return "done"


@action("test.slow_resumable", resumable=True)
def slow_resumable(seconds: float, idempotency_key: str) -> str:
    effects.append(idempotency_key)
    time.sleep(seconds)
    return "done"


@action("test.slow_failing")
def slow_failing(seconds: float) -> str:
    time.sleep(seconds)
    raise RuntimeError("upstream went away")


@pytest.fixture(autouse=True, name="reset_effects")
def _reset_effects() -> None:
    effects.clear()


def _sweep_while(worker: threading.Thread, sweeper: Actions) -> list[RecoveryReport]:
    reports = []
    while worker.is_alive():
        reports.append(sweeper.recover())
        time.sleep(0.02)
    worker.join()
    return reports


@pytest.mark.parametrize("definition", [slow_fragile, slow_resumable], ids=lambda d: d.name)
def test_side_effect_longer_than_the_lease_runs_once(
    store: Store, definition: ActionDefinition
) -> None:
    """A 0.9 s side effect under a 0.3 s lease is neither resumed nor reported by sweeps."""
    runner = Actions(store, lease_s=0.3, heartbeat_s=0.05, owner="runner")
    sweeper = Actions(store, lease_s=0.3, owner="sweeper")
    worker = threading.Thread(
        target=definition.submit, args=(runner, "slow-1"), kwargs={"seconds": 0.9}
    )
    worker.start()
    reports = _sweep_while(worker, sweeper)
    row = runner.get("slow-1")
    assert row is not None and (row.status, row.attempts) == (ActionStatus.SUCCEEDED, 1)
    assert len(effects) == 1
    assert len(reports) > 10 and all(r.total == 0 for r in reports)


def _wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + 5.0
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_renewals_stop_when_the_side_effect_raises(store: Store) -> None:
    """A failing side effect is no longer renewed, and the idle keeper thread ends."""
    runner = Actions(store, lease_s=0.3, heartbeat_s=0.05, owner="runner")
    with pytest.raises(RuntimeError, match="went away"):
        slow_failing.submit(runner, "fail-1", seconds=0.15)
    row = runner.get("fail-1")
    assert row is not None and row.status is ActionStatus.FAILED
    assert runner.leases.held() == []
    assert _wait_for(lambda: not runner.leases.running)


def test_lease_is_renewed_while_running(store: Store) -> None:
    """During a long side effect the stored lease expiry keeps moving forward."""
    runner = Actions(store, lease_s=0.3, heartbeat_s=0.05, owner="runner")
    worker = threading.Thread(
        target=slow_fragile.submit, args=(runner, "renew-1"), kwargs={"seconds": 0.4}
    )
    worker.start()
    assert _wait_for(lambda: runner.get("renew-1") is not None)
    first = runner.get("renew-1")
    time.sleep(0.2)
    later = runner.get("renew-1")
    worker.join()
    assert first is not None and later is not None
    assert (later.lease_expires_ns or 0) > (first.lease_expires_ns or 0)


def test_keeper_notices_a_takeover(store: Store) -> None:
    """Once another owner holds the action, its hold is marked lost and never renewed."""
    runner = Actions(store, lease_s=10.0, heartbeat_s=0.01, owner="runner")
    record = ActionRecord(
        key="taken-1",
        name="test.slow_fragile",
        fingerprint="0" * 64,
        status=ActionStatus.IN_FLIGHT,
        params={"seconds": 0.0},
        owner="someone-else",
        lease_expires_ns=time.time_ns() + 10**10,
        attempts=1,
    )
    runner.records.claim(record, actor="test", reason="setup")
    with runner.leases.hold("taken-1") as lease:
        assert _wait_for(lambda: lease.lost)
    assert lease.renewals == 0


def test_heartbeat_must_be_shorter_than_the_lease(store: Store) -> None:
    """A heartbeat no shorter than the lease is a configuration error with a fix."""
    with pytest.raises(ConfigError, match="heartbeat"):
        Actions(store, lease_s=1.0, heartbeat_s=1.0)


def test_heartbeat_defaults_to_a_third_of_the_lease(store: Store) -> None:
    """Without a heartbeat interval, the lease is renewed three times per lease period."""
    assert Actions(store, lease_s=30.0).heartbeat_s == pytest.approx(10.0)


def _record(**values: Any) -> ActionRecord:
    base: dict[str, Any] = {
        "key": "k",
        "name": "test.slow_fragile",
        "fingerprint": "0" * 64,
        "status": ActionStatus.IN_FLIGHT,
        "params": {"seconds": 0.0},
        "owner": "dead-worker",
        "lease_expires_ns": 1,
        "attempts": 1,
    }
    return ActionRecord(**{**base, **values})


def test_unregistered_stale_actions_can_be_skipped(store: Store) -> None:
    """A sweep told to skip leaves stale actions it cannot run to a process that can."""
    sweeper = Actions(store, owner="sweeper")
    sweeper.records.claim(_record(key="orphan", name="elsewhere.only"), actor="t", reason="")
    report = sweeper.recover(unregistered="skip")
    row = sweeper.get("orphan")
    assert (report.skipped, report.reported) == (["orphan"], [])
    assert row is not None and row.status is ActionStatus.IN_FLIGHT
