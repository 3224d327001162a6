"""Alerts fire after consecutive breaches, deduplicate while firing, and resolve with hysteresis."""

from __future__ import annotations

import pytest

from surefoot.core import AlertState, CheckRecord, CheckStatus, InvalidInput, Severity, new_id
from surefoot.monitor import Monitor, decide_alert
from surefoot.store import MonitorStore, Store

MONITOR = Monitor("latency", "request.latency_ms", method="mean_above", threshold=500.0)


def _check(status: CheckStatus, end_ns: int, trace: str = "t" * 32) -> CheckRecord:
    return CheckRecord(
        check_id=new_id(), monitor=MONITOR.name, signal=MONITOR.signal, method="mean_above",
        window_start_ns=end_ns - 10, window_end_ns=end_ns, status=status, value=1.0,
        threshold=500.0, p_value=None, n=10, message=f"{status}", trace_ids=(trace,),
        checked_ns=end_ns,
    )  # fmt: skip


def _run(repo: MonitorStore, statuses: list[CheckStatus]) -> list[AlertState | None]:
    states: list[AlertState | None] = []
    for i, status in enumerate(statuses, start=1):
        check = _check(status, i * 100, trace=f"{i:032x}")

        def decide(firing, recent, now=i * 100):
            return decide_alert(MONITOR, firing, recent, now)

        alert = repo.record_check(check, decide)
        states.append(None if alert is None else alert.state)
    return states


BREACH, OK, SMALL = CheckStatus.BREACH, CheckStatus.OK, CheckStatus.INSUFFICIENT


def test_one_breach_does_not_fire() -> None:
    """A single breach is not enough to fire with fire_after=2."""
    assert decide_alert(MONITOR, None, [_check(BREACH, 2), _check(OK, 1)], 2) is None


def test_two_breaches_fire_with_evidence() -> None:
    """Two consecutive breaches fire one alert linking both checks and their traces."""
    recent = [_check(BREACH, 2, "b" * 32), _check(BREACH, 1, "a" * 32)]
    alert = decide_alert(MONITOR, None, recent, 2)
    assert alert is not None and alert.state is AlertState.FIRING
    assert alert.check_ids == (recent[1].check_id, recent[0].check_id)
    assert alert.trace_ids == ("a" * 32, "b" * 32)
    assert alert.severity is Severity.WARNING


def test_insufficient_checks_neither_break_nor_extend_a_streak() -> None:
    """A too-small window between two breaches still lets the alert fire."""
    recent = [_check(BREACH, 3), _check(SMALL, 2), _check(BREACH, 1)]
    assert decide_alert(MONITOR, None, recent, 3) is not None


def test_insufficient_latest_check_changes_nothing() -> None:
    """A too-small latest window neither fires nor resolves."""
    recent = [_check(SMALL, 3), _check(BREACH, 2), _check(BREACH, 1)]
    assert decide_alert(MONITOR, None, recent, 3) is None


def test_alert_lifecycle_in_the_store(store: Store) -> None:
    """Fire after two breaches, stay one alert while breaching, resolve after two passes."""
    repo = MonitorStore(store.engine)
    states = _run(repo, [BREACH, BREACH, BREACH, OK, BREACH, OK, OK, OK])
    firing, resolved = AlertState.FIRING, AlertState.RESOLVED
    assert states == [None, firing, firing, None, firing, None, resolved, None]
    alerts = repo.alerts()
    assert len(alerts) == 1
    assert len(alerts[0].check_ids) == 4
    assert alerts[0].resolved_ns == 700
    assert len(repo.checks(MONITOR.name)) == 8


def test_a_new_alert_opens_after_resolution(store: Store) -> None:
    """After an alert resolved, new breaches open a second alert instead of reopening it."""
    repo = MonitorStore(store.engine)
    _run(repo, [BREACH, BREACH, OK, OK, BREACH, BREACH])
    assert [a.state for a in repo.alerts()] == [AlertState.FIRING, AlertState.RESOLVED]
    assert len(repo.alerts(AlertState.FIRING)) == 1


def test_unknown_method_is_refused() -> None:
    """A monitor with an unknown method raises InvalidInput listing the valid ones."""
    with pytest.raises(InvalidInput, match="mean_above"):
        Monitor("m", "x", method="magic")
