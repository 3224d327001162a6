"""Streaming detectors follow river's contract and catch operational anomalies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from surefoot.core import InvalidInput
from surefoot.monitor import PageHinkley, SeasonalBaseline


def test_page_hinkley_detects_latency_step() -> None:
    """A latency step from 100 ms to 160 ms is caught within 20 values."""
    rng = np.random.default_rng(0)
    ph = PageHinkley(threshold=200.0, delta=5.0)
    stream = np.concatenate([rng.normal(100, 10, 500), rng.normal(160, 10, 100)])
    alarms = [i for i, x in enumerate(stream) if ph.update(float(x)).drift_detected]
    assert alarms and 500 <= alarms[0] < 520


def test_page_hinkley_stays_quiet_on_stationary_stream() -> None:
    """No alarm over 5,000 stationary values with a sensible threshold."""
    rng = np.random.default_rng(1)
    ph = PageHinkley(threshold=200.0, delta=5.0)
    assert not any(ph.update(float(x)).drift_detected for x in rng.normal(100, 10, 5_000))


def test_page_hinkley_down_mode_ignores_increases() -> None:
    """In 'down' mode an increase never raises the alarm."""
    ph = PageHinkley(threshold=10.0, mode="down")
    assert not any(ph.update(x).drift_detected for x in [0.0] * 50 + [10.0] * 50)


def test_reset_forgets_learned_state() -> None:
    """After _reset() a detector behaves as a fresh one on the same stream."""
    stream = [0.0] * 40 + [3.0] * 30
    used = PageHinkley(threshold=20.0)
    for x in [50.0] * 100:
        used.update(x)
    used._reset()
    fresh = PageHinkley(threshold=20.0)
    assert [used.update(x).drift_detected for x in stream] == [
        fresh.update(x).drift_detected for x in stream
    ]


def test_drift_detected_is_read_only() -> None:
    """drift_detected cannot be assigned from outside."""
    with pytest.raises(AttributeError):
        PageHinkley().drift_detected = True  # type: ignore[misc]


def test_seasonal_baseline_respects_daily_pattern() -> None:
    """A busy hour that is normal for its slot is not flagged; the same value at night is."""
    start = datetime(2026, 1, 5, tzinfo=UTC)
    det = SeasonalBaseline(min_history=5)
    rng = np.random.default_rng(2)
    for hour in range(24 * 14):
        at = start + timedelta(hours=hour)
        level = 1_000.0 if at.hour == 12 else 100.0
        det.update(level + float(rng.normal(0, 5)), at)
    noon = start + timedelta(days=14, hours=12)
    night = start + timedelta(days=14, hours=3)
    assert not det.update(1_000.0, noon).drift_detected
    assert det.update(1_000.0, night).drift_detected


def test_seasonal_baseline_waits_for_history() -> None:
    """A slot with less than min_history values never raises the alarm."""
    det = SeasonalBaseline(min_history=3)
    at = datetime(2026, 1, 5, tzinfo=UTC)
    assert not det.update(1.0, at).update(1e9, at).drift_detected
    assert det.score == 0.0


def test_seasonal_baseline_rejects_bad_window() -> None:
    """A window shorter than min_history is refused."""
    with pytest.raises(InvalidInput):
        SeasonalBaseline(window=3, min_history=5)


@given(st.lists(st.floats(-1e3, 1e3), max_size=200), st.lists(st.floats(-1e3, 1e3), max_size=50))
def test_page_hinkley_reset_equals_fresh(history, stream) -> None:
    """Whatever came before, a reset detector answers a stream exactly as a fresh one does."""
    used = PageHinkley(min_instances=5, threshold=100.0)
    for x in history:
        used.update(x)
    used._reset()
    fresh = PageHinkley(min_instances=5, threshold=100.0)
    assert [used.update(x).drift_detected for x in stream] == [
        fresh.update(x).drift_detected for x in stream
    ]


@given(st.lists(st.floats(0.0, 1e4), min_size=1, max_size=100))
def test_seasonal_baseline_is_deterministic(values) -> None:
    """Two detectors fed the same timestamped values give the same scores."""
    start = datetime(2026, 1, 5, tzinfo=UTC)
    a, b = SeasonalBaseline(min_history=2), SeasonalBaseline(min_history=2)
    for i, x in enumerate(values):
        at = start + timedelta(hours=i % 3, days=i)
        assert a.update(x, at).score == b.update(x, at).score
