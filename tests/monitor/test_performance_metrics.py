"""Metrics agree with scikit-learn; expected metrics equal realised ones on certain labels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as sk  # type: ignore[import-untyped]

from surefoot.core import InvalidInput
from surefoot.monitor import Metric, expected_metrics, realized_metrics, roc_auc

rows = st.lists(
    st.tuples(st.integers(0, 1), st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.7, 0.9, 1.0])),
    min_size=2,
    max_size=100,
).filter(lambda r: len({y for y, _ in r}) == 2)


@given(rows)
def test_roc_auc_matches_scikit_learn(data: list[tuple[int, float]]) -> None:
    """ROC AUC with tied scores equals scikit-learn's roc_auc_score."""
    y = [d[0] for d in data]
    s = [d[1] for d in data]
    assert roc_auc(y, s) == pytest.approx(sk.roc_auc_score(y, s), abs=1e-12)


@given(rows)
def test_confusion_metrics_match_scikit_learn(data: list[tuple[int, float]]) -> None:
    """Accuracy, precision, recall and F1 equal scikit-learn's on the same predictions."""
    y = np.array([d[0] for d in data])
    s = np.array([d[1] for d in data])
    pred = (s >= 0.5).astype(int)
    ours = realized_metrics(y, s, pred)
    assert ours[Metric.ACCURACY] == pytest.approx(sk.accuracy_score(y, pred))
    assert ours[Metric.RECALL] == pytest.approx(sk.recall_score(y, pred))
    if pred.sum():
        assert ours[Metric.PRECISION] == pytest.approx(sk.precision_score(y, pred))
        assert ours[Metric.F1] == pytest.approx(sk.f1_score(y, pred))
    else:
        assert math.isnan(ours[Metric.PRECISION])


@given(rows)
def test_expected_equals_realized_for_certain_probabilities(data: list[tuple[int, float]]) -> None:
    """When every probability is exactly the label, expected metrics are the realised ones."""
    y = np.array([d[0] for d in data], dtype=float)
    s = np.array([d[1] for d in data])
    pred = (s >= 0.5).astype(int)
    expected = expected_metrics(y, s, pred)
    realized = realized_metrics(y, s, pred)
    for metric in Metric:
        assert expected[metric] == pytest.approx(realized[metric], nan_ok=True)


def test_roc_auc_is_nan_without_both_classes() -> None:
    """With only positives there is no ROC curve, and the value says so with NaN."""
    assert math.isnan(roc_auc([1, 1, 1], [0.2, 0.5, 0.9]))


def test_non_binary_predictions_are_refused() -> None:
    """Predictions must already be thresholded to 0/1."""
    with pytest.raises(InvalidInput, match="threshold"):
        realized_metrics([0, 1], [0.2, 0.8], [0.2, 0.8])
