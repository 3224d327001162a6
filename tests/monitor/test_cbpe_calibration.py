"""Calibration: PAVA matches scikit-learn, Platt fits a logistic curve, and auto picks sensibly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.isotonic import IsotonicRegression  # type: ignore[import-untyped]

from surefoot.core import InvalidInput
from surefoot.monitor import CalibrationMethod, fit_calibrator
from surefoot.monitor._calibration import Isotonic, Platt

pairs = st.lists(
    st.tuples(st.integers(0, 1000).map(lambda k: k / 1000), st.integers(0, 1)),
    min_size=2,
    max_size=80,
).filter(lambda rows: len({label for _, label in rows}) == 2)


@settings(max_examples=60)
@given(pairs)
def test_isotonic_matches_scikit_learn(rows: list[tuple[float, int]]) -> None:
    """Our PAVA gives the same fitted values as scikit-learn's IsotonicRegression."""
    s = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    ours = Isotonic.fit(s, y).predict(s)
    ref = IsotonicRegression(out_of_bounds="clip").fit(s, y).predict(s)
    np.testing.assert_allclose(ours, ref, atol=1e-9)


@given(pairs, st.lists(st.floats(-1, 2, allow_nan=False), min_size=2, max_size=20))
def test_isotonic_is_monotone_and_bounded(
    rows: list[tuple[float, int]], probe: list[float]
) -> None:
    """Calibrated values never decrease with the score and stay in [0, 1]."""
    cal = Isotonic.fit([r[0] for r in rows], [r[1] for r in rows])
    out = cal.predict(sorted(probe))
    assert (np.diff(out) >= -1e-12).all()
    assert ((out >= 0) & (out <= 1)).all()


def test_platt_recovers_a_logistic_distortion() -> None:
    """Scores pushed through a logistic distortion are mapped back close to the truth."""
    rng = np.random.default_rng(3)
    truth = rng.uniform(0.02, 0.98, 20_000)
    y = (rng.uniform(size=truth.size) < truth).astype(int)
    logit = np.log(truth / (1 - truth))
    distorted = 1 / (1 + np.exp(-(2.0 * logit + 0.5)))
    cal = Platt.fit(distorted, y)
    assert cal.a == pytest.approx(0.5, abs=0.05)
    assert np.abs(cal.predict(distorted) - truth).mean() < 0.02


def test_auto_keeps_calibrated_scores() -> None:
    """Already calibrated scores are not worth remapping: auto chooses none or an equivalent."""
    rng = np.random.default_rng(0)
    s = rng.uniform(size=20_000)
    y = (rng.uniform(size=s.size) < s).astype(int)
    cal = fit_calibrator(s, y)
    assert np.abs(cal.predict(s) - s).mean() < 0.02


def test_auto_remaps_overconfident_scores() -> None:
    """Overconfident scores get a calibrator that beats them on held-out Brier score."""
    rng = np.random.default_rng(1)
    truth = rng.uniform(size=20_000)
    y = (rng.uniform(size=truth.size) < truth).astype(int)
    scores = np.clip(truth * 1.6 - 0.3, 0, 1)
    cal = fit_calibrator(scores[:10_000], y[:10_000])
    assert cal.method is not CalibrationMethod.NONE
    before = np.mean((scores[10_000:] - y[10_000:]) ** 2)
    after = np.mean((cal.predict(scores[10_000:]) - y[10_000:]) ** 2)
    assert after < before


@pytest.mark.parametrize(
    ("scores", "labels", "match"),
    [
        ([0.1, 0.2], [1, 1], "both classes"),
        ([0.1, 0.2], [0, 2], "0 or 1"),
        ([0.1], [0, 1], "equal"),
    ],
)
def test_bad_reference_is_refused(scores: list[float], labels: list[int], match: str) -> None:
    """A reference with one class, non-binary labels or misaligned rows is refused."""
    with pytest.raises(InvalidInput, match=match):
        fit_calibrator(scores, labels)
