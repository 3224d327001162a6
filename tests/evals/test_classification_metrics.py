"""Classification metrics agree with scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surefoot.evals import (
    accuracy,
    expected_calibration_error,
    f1_score,
    precision,
    recall,
    roc_auc,
)

sklearn_metrics = pytest.importorskip("sklearn.metrics")

labels = st.lists(st.integers(0, 1), min_size=2, max_size=60)


@settings(max_examples=60, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=1, max_size=60))
def test_counting_metrics_match_sklearn(pairs: list[tuple[int, int]]) -> None:
    """Accuracy, precision, recall and F1 equal scikit-learn's (zero_division=0)."""
    y, p = [a for a, _ in pairs], [b for _, b in pairs]
    assert accuracy(y, p) == pytest.approx(sklearn_metrics.accuracy_score(y, p))
    assert precision(y, p) == pytest.approx(sklearn_metrics.precision_score(y, p, zero_division=0))
    assert recall(y, p) == pytest.approx(sklearn_metrics.recall_score(y, p, zero_division=0))
    assert f1_score(y, p) == pytest.approx(sklearn_metrics.f1_score(y, p, zero_division=0))


@settings(max_examples=60, deadline=None)
@given(
    y=labels.filter(lambda v: 0 < sum(v) < len(v)),
    seed=st.integers(0, 2**16),
    ties=st.booleans(),
)
def test_roc_auc_matches_sklearn(y: list[int], seed: int, ties: bool) -> None:
    """ROC AUC equals scikit-learn's, ties included."""
    scores = np.random.default_rng(seed).random(len(y))
    if ties:
        scores = np.round(scores, 1)
    assert roc_auc(y, list(scores)) == pytest.approx(sklearn_metrics.roc_auc_score(y, scores))


def test_roc_auc_needs_both_classes() -> None:
    """A single-class truth is refused with what to add."""
    with pytest.raises(ValueError, match="missing class"):
        roc_auc([1, 1], [0.2, 0.3])


def test_ece_matches_hand_computed_bins() -> None:
    """ECE weighs each bin's |accuracy - confidence| by its share of cases."""
    # Bins: (0.0-0.1] {0.05: y0}, (0.4-0.5] {0.45,0.5: y1,y0}, (0.9-1.0] {0.95,1.0: y1,y1}
    y, p = [0, 1, 0, 1, 1], [0.05, 0.45, 0.5, 0.95, 1.0]
    expected = (1 * 0.05 + 2 * abs(0.5 - 0.475) + 2 * abs(1.0 - 0.975)) / 5
    assert expected_calibration_error(y, p) == pytest.approx(expected)


def test_ece_is_zero_when_calibrated() -> None:
    """Predictions whose confidence equals the bin's accuracy have no calibration error."""
    assert expected_calibration_error([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5]) == pytest.approx(0.0)
