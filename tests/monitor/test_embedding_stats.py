"""The statistics behind embedding drift agree with direct formulas and with scikit-learn."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

from surefoot.monitor._embedding_stats import (
    classifier_test,
    fit_logistic,
    median_bandwidth,
    mmd_permutation_test,
)


def _naive_mmd2(x: np.ndarray, y: np.ndarray, bandwidth: float) -> float:
    def k(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.exp(-np.sum((a - b) ** 2) / bandwidth))

    n, m = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(n), 2)) / (n * (n - 1))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    xy = sum(k(a, b) for a in x for b in y) / (n * m)
    return xx + yy - 2.0 * xy


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 9), st.integers(2, 9))
def test_vectorised_mmd_equals_the_textbook_unbiased_estimate(seed: int, n: int, m: int) -> None:
    """The quadratic-form MMD equals the double sum over distinct pairs."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(n, 3)), rng.normal(size=(m, 3))
    result = mmd_permutation_test(x, y, bandwidth=2.0, permutations=5, rng=rng)
    assert np.isclose(result.statistic, _naive_mmd2(x, y, 2.0), atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_mmd_is_symmetric_and_p_values_are_bounded(seed: int) -> None:
    """Swapping the samples leaves MMD unchanged; p-values lie in [1/(P+1), 1]."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(8, 2)), rng.normal(size=(6, 2))
    forward = mmd_permutation_test(x, y, bandwidth=1.0, permutations=20, rng=rng)
    backward = mmd_permutation_test(y, x, bandwidth=1.0, permutations=20, rng=rng)
    assert np.isclose(forward.statistic, backward.statistic)
    assert 1.0 / 21 <= forward.p_value <= 1.0


def test_median_bandwidth_is_the_median_squared_distance() -> None:
    """Distances 1, 4 and 9 between three points give a bandwidth of 4."""
    assert median_bandwidth(np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])) == 4.0


def test_logistic_fit_matches_scikit_learn() -> None:
    """The L-BFGS fit finds scikit-learn's L2 logistic regression optimum."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    y = (x @ np.array([1.0, -2.0, 0.5, 0.0]) + rng.normal(size=300) > 0).astype(float)
    ours = fit_logistic(x, y, l2=2.0)
    theirs = LogisticRegression(C=0.5, tol=1e-10, max_iter=10_000).fit(x, y)
    assert np.allclose(ours[:-1], theirs.coef_[0], atol=1e-4)
    assert np.isclose(ours[-1], theirs.intercept_[0], atol=1e-4)


def test_classifier_auc_is_high_and_honest_for_separable_windows() -> None:
    """Separable windows give a high out-of-fold AUC, no higher than the in-sample ROC AUC."""
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(100, 3)), rng.normal(loc=1.5, size=(100, 3))
    result = classifier_test(x, y, rng=np.random.default_rng(2))
    assert 0.85 < result.statistic <= 1.0
    assert result.p_value < 1e-6
    # An in-sample fit sees its own rows, so the cross-validated AUC cannot beat it by much.
    weights = fit_logistic(np.vstack((x, y)), np.r_[np.zeros(100), np.ones(100)])
    scores = np.vstack((x, y)) @ weights[:-1]
    assert roc_auc_score(np.r_[np.zeros(100), np.ones(100)], scores) >= result.statistic - 0.05
