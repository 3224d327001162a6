"""The narrowing detector: a feedback loop shrinking recommendations is caught within bounds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surefoot.core import InvalidInput
from surefoot.monitor import ItemCounts, NarrowingDetector, VerdictStatus, gini
from surefoot.monitor._narrowing import _metrics

CATALOGUE = 300


def _window(rng: np.random.Generator, n: int, active: int) -> ItemCounts:
    """``n`` recommendations, Zipf-like over the ``active`` most popular items."""
    weights = 1.0 / np.arange(1, active + 1) ** 0.8
    picks = rng.choice(active, size=n, p=weights / weights.sum())
    return ItemCounts().update(f"item{i}" for i in picks)


def test_an_injected_narrowing_is_detected_within_two_windows() -> None:
    """Stable windows pass; once the active set shrinks 20% per window, an alarm comes fast."""
    rng = np.random.default_rng(0)
    detector = NarrowingDetector(_window(rng, 20_000, CATALOGUE), catalogue_size=CATALOGUE)
    stable = [detector.update(_window(rng, 1000, CATALOGUE)).drift_detected for _ in range(10)]
    assert not any(stable)
    active, alarm_at = CATALOGUE, None
    for window in range(1, 11):
        active = int(active * 0.8)
        if detector.update(_window(rng, 1000, active)).drift_detected:
            alarm_at = window
            break
    assert alarm_at is not None and alarm_at <= 2
    assert detector.verdict is not None and detector.verdict.breached


def test_small_windows_are_judged_against_same_size_reference_draws() -> None:
    """A small window's lower plug-in entropy and coverage are not mistaken for narrowing."""
    rng = np.random.default_rng(1)
    detector = NarrowingDetector(_window(rng, 20_000, CATALOGUE), catalogue_size=CATALOGUE)
    alarms = [detector.update(_window(rng, 80, CATALOGUE)).drift_detected for _ in range(20)]
    assert sum(alarms) <= 1


def test_too_few_simulations_for_alpha_are_refused() -> None:
    """A bootstrap too small to ever reach ``alpha`` is a configuration error."""
    with pytest.raises(InvalidInput, match="raise simulations"):
        NarrowingDetector(ItemCounts().update(["a"]), simulations=50, alpha=0.01)


def test_too_few_outputs_are_insufficient() -> None:
    """A window below ``min_outputs`` is not judged."""
    detector = NarrowingDetector(ItemCounts().update(["a", "b"] * 50))
    verdict = detector.update(ItemCounts().update(["a"] * 5)).verdict
    assert verdict is not None and verdict.status is VerdictStatus.INSUFFICIENT


def test_verdicts_are_reproducible_with_the_same_seed() -> None:
    """Two detectors with the same seed and windows give the same verdicts."""
    rng = np.random.default_rng(2)
    reference, window = _window(rng, 5000, 100), _window(rng, 500, 60)
    first = NarrowingDetector(reference, seed=5).update(window).verdict
    second = NarrowingDetector(reference, seed=5).update(window).verdict
    assert first == second


def test_reset_forgets_the_last_verdict() -> None:
    """After ``_reset`` nothing is detected until the next window."""
    detector = NarrowingDetector(ItemCounts().update([f"i{k % 40}" for k in range(4000)]))
    alarmed = detector.update(ItemCounts().update(["i1"] * 200)).drift_detected
    detector._reset()
    assert (alarmed, detector.drift_detected, detector.verdict) == (True, False, None)


@settings(max_examples=50, deadline=None)
@given(
    counts=st.lists(st.integers(0, 50), min_size=1, max_size=12).filter(lambda c: sum(c) > 0),
    padding=st.integers(0, 20),
)
def test_implicit_catalogue_zeros_equal_explicit_ones(counts: list[int], padding: int) -> None:
    """Metrics with unseen catalogue items left implicit equal those with the zeros written out."""
    support = max(len(counts) + padding, 2)
    explicit = np.array([counts + [0] * (support - len(counts))], dtype=np.float64)
    implicit = np.array([counts], dtype=np.float64)
    for a, b in zip(_metrics(explicit, support), _metrics(implicit, support), strict=True):
        assert a[0] == pytest.approx(b[0])
    assert _metrics(implicit, support)[1][0] == pytest.approx(gini(counts, support))
