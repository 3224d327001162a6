"""Injected production changes in stored traces are caught by monitors within bounded windows."""

from __future__ import annotations

import numpy as np
import pytest
from tests.monitor.spans import Traffic, window_spans

from surefoot.core import AlertState, CheckStatus, FakeClock
from surefoot.monitor import Monitor, run_monitors
from surefoot.store import MonitorStore, Store

WINDOW_S = 600.0
PER_WINDOW = 60
CHANGE_AT = 4

MONITORS = [
    Monitor("format", "output.json_valid", window_s=WINDOW_S, reference_windows=3),
    Monitor("retrieval", "retrieval.top_score", window_s=WINDOW_S, reference_windows=3),
    Monitor("model", "model.served", window_s=WINDOW_S, reference_windows=3),
    Monitor("latency", "request.latency_ms", window_s=WINDOW_S, reference_windows=3),
]


def _simulate(store: Store, changed: Traffic, windows: int = CHANGE_AT + 3) -> dict[str, int]:
    """Write windows of traffic, run monitors after each, return the first firing per monitor."""
    rng = np.random.default_rng(7)
    clock = FakeClock(start_s=1_700_000_000.0)
    repo = MonitorStore(store.engine)
    fired: dict[str, int] = {}
    for w in range(windows):
        traffic = changed if w >= CHANGE_AT else Traffic()
        width = int(WINDOW_S * 1e9)
        store.write_spans(window_spans(rng, clock.now_ns(), width, PER_WINDOW, traffic))
        clock.advance(WINDOW_S)
        for outcome in run_monitors(store, repo, MONITORS, clock=clock):
            if outcome.alert is not None and outcome.alert.state is AlertState.FIRING:
                fired.setdefault(outcome.check.monitor, w)
    return fired


@pytest.mark.parametrize(
    ("change", "monitor"),
    [
        (Traffic(json_output=False), "format"),
        (Traffic(retrieval_mean=0.3), "retrieval"),
        (Traffic(served_model="gpt-4o-mini-2024-07-18"), "model"),
    ],
    ids=["output-format", "retrieval-collapse", "model-swap"],
)
def test_change_fires_its_alert_within_two_windows(
    store: Store, change: Traffic, monitor: str
) -> None:
    """The matching alert fires by the second changed window (fire_after=2) and no other fires."""
    fired = _simulate(store, change)
    assert set(fired) == {monitor}
    # One chance false breach just before the change may let it fire on the first changed window.
    assert CHANGE_AT <= fired[monitor] <= CHANGE_AT + 1


def test_alert_links_windows_and_example_traces(store: Store) -> None:
    """The firing alert names its checks, whose windows hold the example traces it lists."""
    _simulate(store, Traffic(json_output=False))
    repo = MonitorStore(store.engine)
    (alert,) = repo.alerts(AlertState.FIRING)
    checks = {c.check_id: c for c in repo.checks("format")}
    assert all(checks[c].status is CheckStatus.BREACH for c in alert.check_ids)
    assert alert.trace_ids
    for trace_id in alert.trace_ids[:3]:
        spans = store.get_trace(trace_id)
        assert any(
            checks[c].window_start_ns <= spans[0].start_ns < checks[c].window_end_ns
            for c in alert.check_ids
        )


def test_stationary_traffic_raises_no_alert(store: Store) -> None:
    """Unchanged traffic over many windows fires nothing."""
    assert _simulate(store, Traffic(), windows=8) == {}
