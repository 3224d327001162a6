"""Injected data changes are caught within a bounded number of windows; stationary data is not."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from surefoot.monitor import Profile, VerdictStatus, drift_report, fit_bins

WINDOW = 500
CHANGE_AT = 5

Column = Callable[[np.random.Generator, int, bool], object]


def _normal(rng: np.random.Generator, n: int, changed: bool) -> object:
    return rng.normal(0.0, 1.0, n)


def _mean_shift(rng: np.random.Generator, n: int, changed: bool) -> object:
    return rng.normal(0.5 if changed else 0.0, 1.0, n)


def _variance_change(rng: np.random.Generator, n: int, changed: bool) -> object:
    return rng.normal(0.0, 2.0 if changed else 1.0, n)


def _new_category(rng: np.random.Generator, n: int, changed: bool) -> object:
    names = ["a", "b", "c", "brand-new"] if changed else ["a", "b", "c"]
    return rng.choice(names, n)


def _first_drift_window(column: Column, seed: int) -> int | None:
    rng = np.random.default_rng(seed)
    reference = {"x": column(rng, 5_000, False), "noise": rng.normal(size=5_000)}
    bins = fit_bins(reference)
    ref = Profile(bins).update(reference)
    for window in range(CHANGE_AT + 3):
        changed = window >= CHANGE_AT
        batch = {"x": column(rng, WINDOW, changed), "noise": rng.normal(size=WINDOW)}
        report = drift_report(ref, Profile(bins).update(batch))
        if report["x"].status is VerdictStatus.DRIFT:
            return window
    return None


@pytest.mark.parametrize("column", [_mean_shift, _variance_change, _new_category])
def test_injected_change_is_detected_promptly(column: Column) -> None:
    """The change is flagged in the first changed window, and never before it."""
    for seed in range(5):
        assert _first_drift_window(column, seed) == CHANGE_AT


def test_false_alarm_rate_stays_within_alpha() -> None:
    """With the effect gate off, BH keeps any-field alarms on null data at or below alpha."""
    fields = 5
    runs = 400
    alarms = 0
    for seed in range(runs):
        rng = np.random.default_rng(10_000 + seed)
        reference = {f"f{i}": rng.normal(size=1_000) for i in range(fields)}
        current = {f"f{i}": rng.normal(size=WINDOW) for i in range(fields)}
        bins = fit_bins(reference)
        report = drift_report(
            Profile(bins).update(reference),
            Profile(bins).update(current),
            alpha=0.05,
            methods=dict.fromkeys(reference, "chi_square"),
            thresholds=dict.fromkeys(reference, 0.0),
        )
        alarms += bool(report.drifted)
    # 400 runs at a true rate of 5% gives a standard error of about 1.1%: allow two of them.
    assert alarms / runs <= 0.05 + 0.022


def test_default_gate_gives_no_alarms_on_null_data() -> None:
    """With default effect thresholds, stationary windows raise no alarms at all."""
    assert all(_first_drift_window(_normal, seed) is None for seed in range(20))
