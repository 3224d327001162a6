"""The narrowing monitor method: concentration of a categorical signal, scheduled and one-shot."""

from __future__ import annotations

import numpy as np
import pytest
from tests.monitor.ops import WINDOW_S, scheduler
from tests.monitor.spans import Traffic, request_spans

from surefoot.core import (
    AlertState,
    CheckStatus,
    ConfigError,
    FakeClock,
    IncidentState,
    MonitorSettings,
)
from surefoot.monitor import Monitor, PassResult, Scheduler, monitors_from_settings, run_monitors
from surefoot.store import MonitorStore, Store

CATALOGUE = 300
SOURCE = "recs"


def _recommendations(rng: np.random.Generator, n: int, active: int) -> list[str]:
    """``n`` recommended item ids, Zipf-like over the ``active`` most popular items."""
    weights = 1.0 / np.arange(1, active + 1) ** 0.8
    picks = rng.choice(active, size=n, p=weights / weights.sum())
    return [f"item{i}" for i in picks]


def _narrowing_monitor() -> Monitor:
    return Monitor(
        "recs-narrowing", "item", method="narrowing", source=SOURCE, window_s=WINDOW_S,
        reference_windows=3, catalogue_size=CATALOGUE, fire_after=2, resolve_after=2,
    )  # fmt: skip


def _window(sched: Scheduler, rng: np.random.Generator, active: int, n: int = 1000) -> PassResult:
    """Log one window of recommendations, advance a window, run a pass."""
    clock = sched.clock
    assert isinstance(clock, FakeClock)
    t0 = clock.now_ns()
    step = int(WINDOW_S * 1e9) // n
    items = _recommendations(rng, n, active)
    sched.writer.log_batch(SOURCE, {"item": items}, at=[t0 + i * step for i in range(n)])
    clock.advance(WINDOW_S)
    return sched.run_once()


def test_an_injected_narrowing_fires_within_four_windows(store: Store) -> None:
    """Stable windows pass; a catalogue shrinking 20% per window fires an alert and an incident."""
    sched = scheduler(store, monitors=[_narrowing_monitor()])
    rng = np.random.default_rng(4)
    stable = [_window(sched, rng, CATALOGUE) for _ in range(8)]
    assert all(o.alert is None for r in stable for o in r.outcomes)
    assert CheckStatus.BREACH not in {o.check.status for r in stable for o in r.outcomes}
    active, fired_at = CATALOGUE, None
    for window in range(1, 7):
        active = int(active * 0.8)
        outcomes = _window(sched, rng, active).outcomes
        if any(o.alert is not None and o.alert.state is AlertState.FIRING for o in outcomes):
            fired_at = window
            break
    assert fired_at is not None and fired_at <= 4
    last = sched.checks.checks("recs-narrowing", limit=1)[0]
    assert last.method == "narrowing" and last.p_value is not None and last.p_value <= 0.05
    assert last.value is not None and last.value >= last.threshold
    assert "feedback loop" in last.message
    (incident,) = sched.incidents.incidents()
    assert incident.source == SOURCE and incident.state is IncidentState.OPEN


def test_the_alert_resolves_once_the_catalogue_recovers(store: Store) -> None:
    """After a narrowing alert, windows over the full catalogue resolve it (hysteresis of two)."""
    sched = scheduler(store, monitors=[_narrowing_monitor()])
    rng = np.random.default_rng(7)
    for _ in range(4):
        _window(sched, rng, CATALOGUE)
    for active in (240, 192, 153, 122):
        _window(sched, rng, active)
    assert sched.checks.alerts(state=AlertState.FIRING)
    for _ in range(4):
        _window(sched, rng, CATALOGUE)
    (alert,) = sched.checks.alerts()
    assert alert.state is AlertState.RESOLVED
    assert sched.incidents.incidents()[0].state is IncidentState.RESOLVED


def test_a_stationary_catalogue_never_alerts(store: Store) -> None:
    """Twelve windows drawn from one distribution give no breach streak and no alert."""
    sched = scheduler(store, monitors=[_narrowing_monitor()])
    rng = np.random.default_rng(5)
    results = [_window(sched, rng, CATALOGUE) for _ in range(12)]
    assert all(o.alert is None for r in results for o in r.outcomes)
    judged = [o.check for r in results for o in r.outcomes if o.check.p_value is not None]
    assert len(judged) >= 8  # every window after the first had a reference to compare with


def test_stored_windows_keep_the_long_tail_past_the_category_cap(store: Store) -> None:
    """Items outside the first batch's top 50 categories are still counted by item."""
    sched = scheduler(store, monitors=[_narrowing_monitor()])
    items = [f"item{i}" for i in range(CATALOGUE)] * 2
    (row,) = sched.writer.log_batch(SOURCE, {"item": items}, at=sched.clock.now_ns())
    stored = row.state["items"]
    assert isinstance(stored, dict) and len(stored["counts"]) == CATALOGUE
    assert stored["overflow"] == 0


def test_a_numeric_field_gives_an_insufficient_check_that_says_why(store: Store) -> None:
    """Narrowing on a field stored as numbers is not judged, and the message names the fix."""
    monitor = Monitor(
        "bad", "price", method="narrowing", source=SOURCE, window_s=WINDOW_S, reference_windows=1
    )
    sched = scheduler(store, monitors=[monitor])
    clock = sched.clock
    assert isinstance(clock, FakeClock)
    for _ in range(2):
        sched.writer.log_batch(SOURCE, {"price": [1.0, 2.0] * 40}, at=clock.now_ns())
        clock.advance(WINDOW_S)
    check = sched.run_once().outcomes[-1].check
    assert check.status is CheckStatus.INSUFFICIENT and "categorical" in check.message


def test_run_monitors_judges_narrowing_on_raw_spans(store: Store) -> None:
    """The one-shot path sees served models collapse from sixty to two and breaches."""
    rng = np.random.default_rng(6)
    width = int(WINDOW_S * 1e9)
    now = 1_700_000_400 * 10**9
    spans = []
    for w in range(4):
        start = now - (4 - w) * width
        models = 2 if w == 3 else 60
        for i in range(300):
            traffic = Traffic(served_model=f"model-{rng.integers(models)}")
            spans.extend(request_spans(rng, start + i * (width // 300), traffic))
    store.write_spans(spans)
    monitor = Monitor(
        "models", "model.served", method="narrowing", window_s=WINDOW_S, reference_windows=3,
        fire_after=1,
    )  # fmt: skip
    (outcome,) = run_monitors(store, MonitorStore(store.engine), [monitor], now_ns=now)
    assert outcome.check.status is CheckStatus.BREACH
    assert outcome.alert is not None and outcome.alert.state is AlertState.FIRING


def test_narrowing_on_a_numeric_trace_signal_is_a_config_error() -> None:
    """A ``[monitors.x]`` table asking narrowing of a number names the table and the field."""
    tables = {"lengths": MonitorSettings(signal="output.length", method="narrowing")}
    with pytest.raises(ConfigError, match=r"\[monitors\.lengths\] signal: .*categorical"):
        monitors_from_settings(tables)


def test_catalogue_size_without_narrowing_is_a_config_error() -> None:
    """``catalogue_size`` on a drift monitor is refused, naming the field."""
    tables = {"m": MonitorSettings(signal="model.served", method="psi", catalogue_size=10)}
    with pytest.raises(ConfigError, match=r"\[monitors\.m\] catalogue_size"):
        monitors_from_settings(tables)


def test_a_narrowing_table_becomes_a_monitor() -> None:
    """A valid narrowing table carries its source and catalogue size into the monitor."""
    table = MonitorSettings(
        signal="item", method="narrowing", source=SOURCE, catalogue_size=CATALOGUE
    )
    (monitor,) = monitors_from_settings({"recs": table})
    assert (monitor.method, monitor.source, monitor.catalogue_size) == (
        "narrowing",
        SOURCE,
        CATALOGUE,
    )


def test_a_narrowing_threshold_outside_zero_one_is_a_config_error() -> None:
    """An entropy drop of 1.5 cannot happen, so the table is refused naming ``threshold``."""
    table = MonitorSettings(signal="item", method="narrowing", source=SOURCE, threshold=1.5)
    with pytest.raises(ConfigError, match=r"\[monitors\.recs\] threshold"):
        monitors_from_settings({"recs": table})
