"""Embedding drift: MMD with a permutation test and a domain classifier, on synthetic vectors."""

from __future__ import annotations

import numpy as np
import pytest

from surefoot.core import InvalidInput
from surefoot.monitor import EmbeddingDrift, EmbeddingMethod, VerdictStatus

DIMENSIONS = 16


def _gaussian(seed: int, n: int = 200, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # A correlated cloud, like real embeddings: most variance in a few directions.
    mixing = np.random.default_rng(99).normal(size=(DIMENSIONS, DIMENSIONS)) / 4.0
    return rng.normal(size=(n, DIMENSIONS)) @ mixing + shift


def test_a_mean_shift_is_detected_by_both_tests() -> None:
    """A shift of the whole cloud is drift for MMD and for the classifier."""
    report = EmbeddingDrift(_gaussian(0), seed=1).compare(_gaussian(1, shift=0.3))
    assert report.drifted
    assert report["mmd"].status is VerdictStatus.DRIFT
    assert report["classifier"].status is VerdictStatus.DRIFT
    assert report["classifier"].effect_size > 0.7


def test_same_distribution_false_alarms_stay_near_alpha() -> None:
    """Over 40 seeded runs without change, at most 5 raise drift."""
    # Each run draws its own reference: conditional on one fixed reference sample the alarm
    # rate can sit well above or below alpha, since every window shares that sample's noise.
    alarms = sum(
        EmbeddingDrift(_gaussian(300 + i), seed=i, permutations=100)
        .compare(_gaussian(100 + i))
        .drifted
        for i in range(40)
    )
    # Two tests, BH-corrected at 0.05: expected about 2 alarms; 5 is P < 0.02 under that rate.
    assert alarms <= 5


def test_p_values_of_the_mmd_test_are_roughly_uniform_under_no_change() -> None:
    """Under no change, about a tenth of MMD p-values fall below 0.1."""
    p_values = [
        EmbeddingDrift(_gaussian(400 + i), methods=["mmd"], seed=i, permutations=100)
        .compare(_gaussian(200 + i))["mmd"]
        .p_value
        for i in range(40)
    ]
    assert 0 <= sum(p < 0.1 for p in p_values) <= 9
    assert min(p_values) >= 1.0 / 101


def test_a_verdict_is_reproducible_with_the_same_seed() -> None:
    """The same seed and data give the same p-values, whatever ran before."""
    first = EmbeddingDrift(_gaussian(0), seed=7)
    second = EmbeddingDrift(_gaussian(0), seed=7)
    second.compare(_gaussian(5))
    assert first.compare(_gaussian(6)) == second.compare(_gaussian(6))


def test_large_windows_are_subsampled_to_the_cap() -> None:
    """Windows above ``max_samples`` are judged on that many rows."""
    report = EmbeddingDrift(_gaussian(0, n=500), max_samples=120, seed=0).compare(
        _gaussian(1, n=3000)
    )
    assert (report["mmd"].n_reference, report["mmd"].n_current) == (120, 120)


def test_too_few_vectors_are_insufficient_not_a_verdict() -> None:
    """A window below the minimum says so instead of judging."""
    report = EmbeddingDrift(_gaussian(0), seed=0).compare(_gaussian(1, n=5))
    assert {v.status for v in report.verdicts} == {VerdictStatus.INSUFFICIENT}
    assert "widen the window" in report["classifier"].message


def test_vectors_of_another_width_are_refused() -> None:
    """Vectors from another embedding model cannot be compared."""
    with pytest.raises(InvalidInput, match="same model"):
        EmbeddingDrift(_gaussian(0), seed=0).compare(np.zeros((50, DIMENSIONS + 1)))


def test_too_few_permutations_for_alpha_are_refused() -> None:
    """A permutation test that could never reach ``alpha`` is a configuration error."""
    with pytest.raises(InvalidInput, match="permutations cannot reach"):
        EmbeddingDrift(_gaussian(0), permutations=10, alpha=0.05)


def test_non_finite_vectors_are_refused() -> None:
    """NaN rows are an input error naming the fix."""
    vectors = _gaussian(1)
    vectors[3, 2] = np.nan
    with pytest.raises(InvalidInput, match="re-embed"):
        EmbeddingDrift(_gaussian(0), seed=0).compare(vectors)


def test_an_effect_threshold_gates_significant_but_small_shifts() -> None:
    """A detectable yet small shift is not drift when the AUC threshold asks for more."""
    rng = np.random.default_rng(0)
    detector = EmbeddingDrift(
        rng.normal(size=(1000, DIMENSIONS)), methods=[EmbeddingMethod.CLASSIFIER],
        thresholds={"classifier": 0.7}, seed=0,
    )  # fmt: skip
    verdict = detector.compare(rng.normal(loc=0.1, size=(1000, DIMENSIONS)))["classifier"]
    assert verdict.adjusted_p_value <= 0.05
    assert verdict.status is VerdictStatus.NO_DRIFT
