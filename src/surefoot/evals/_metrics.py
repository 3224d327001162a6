"""Classification and retrieval metrics, computed from plain sequences with numpy."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "accuracy",
    "expected_calibration_error",
    "f1_score",
    "mrr",
    "ndcg_at_k",
    "precision",
    "precision_at_k",
    "recall",
    "recall_at_k",
    "roc_auc",
]


def accuracy(y_true: Sequence[Any], y_pred: Sequence[Any]) -> float:
    """Share of predictions equal to the truth.

    Examples:
        >>> accuracy([1, 0, 1, 1], [1, 0, 0, 1])
        0.75
    """
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) if len(y_true) else 0.0


def _counts(y_true: Sequence[Any], y_pred: Sequence[Any], positive: Any) -> tuple[int, int, int]:
    t, p = np.asarray(y_true) == positive, np.asarray(y_pred) == positive
    return int(np.sum(t & p)), int(np.sum(~t & p)), int(np.sum(t & ~p))


def precision(y_true: Sequence[Any], y_pred: Sequence[Any], positive: Any = 1) -> float:
    """True positives over predicted positives (0 when nothing is predicted positive).

    Examples:
        >>> precision([1, 0, 1, 1], [1, 1, 0, 1])
        0.6666666666666666
    """
    tp, fp, _ = _counts(y_true, y_pred, positive)
    return tp / (tp + fp) if tp + fp else 0.0


def recall(y_true: Sequence[Any], y_pred: Sequence[Any], positive: Any = 1) -> float:
    """True positives over actual positives (0 when there are none).

    Examples:
        >>> recall([1, 0, 1, 1], [1, 1, 0, 1])
        0.6666666666666666
    """
    tp, _, fn = _counts(y_true, y_pred, positive)
    return tp / (tp + fn) if tp + fn else 0.0


def f1_score(y_true: Sequence[Any], y_pred: Sequence[Any], positive: Any = 1) -> float:
    """Harmonic mean of precision and recall.

    Examples:
        >>> round(f1_score([1, 0, 1, 1], [1, 1, 0, 1]), 4)
        0.6667
    """
    tp, fp, fn = _counts(y_true, y_pred, positive)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def roc_auc(y_true: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve: the chance a random positive outranks a random negative.

    Computed from average ranks (Mann-Whitney U), so ties count one half.

    Examples:
        >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        0.75
    """
    y = np.asarray(y_true).astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not n_pos or not n_neg:
        raise ValueError("roc_auc needs both classes in y_true; add cases of the missing class")
    # Average ranks: tied scores share the mean of the ranks they span.
    _, inverse, counts = np.unique(
        np.asarray(scores, dtype=float), return_inverse=True, return_counts=True
    )
    ranks = (np.cumsum(counts) - (counts - 1) / 2)[inverse]
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def expected_calibration_error(
    y_true: Sequence[int], probs: Sequence[float], bins: int = 10
) -> float:
    """Weighted mean gap between confidence and accuracy over equal-width probability bins.

    Examples:
        >>> round(expected_calibration_error([1, 0, 1, 1], [0.9, 0.2, 0.7, 0.6]), 4)
        0.25
    """
    y, p = np.asarray(y_true, dtype=float), np.asarray(probs, dtype=float)
    # Bin i holds (i/bins, (i+1)/bins]; 0 joins the first bin.
    idx = np.clip(np.ceil(p * bins).astype(int) - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            total += mask.sum() / len(p) * abs(y[mask].mean() - p[mask].mean())
    return float(total)


def _relevance(relevant: Sequence[Any] | Mapping[Any, float]) -> dict[Any, float]:
    if isinstance(relevant, dict):
        return {k: float(v) for k, v in relevant.items()}
    return dict.fromkeys(relevant, 1.0)


def precision_at_k(ranked: Sequence[Any], relevant: Sequence[Any], k: int) -> float:
    """Share of the top ``k`` results that are relevant.

    Examples:
        >>> precision_at_k(["a", "b", "c"], ["a", "c"], k=2)
        0.5
    """
    rel = set(relevant)
    return sum(d in rel for d in ranked[:k]) / k


def recall_at_k(ranked: Sequence[Any], relevant: Sequence[Any], k: int) -> float:
    """Share of the relevant documents found in the top ``k``.

    Examples:
        >>> recall_at_k(["a", "b", "c"], ["a", "c"], k=2)
        0.5
    """
    rel = set(relevant)
    return sum(d in rel for d in ranked[:k]) / len(rel) if rel else 0.0


def mrr(ranked: Sequence[Any], relevant: Sequence[Any]) -> float:
    """Reciprocal rank of the first relevant result (0 when none is found).

    Examples:
        >>> mrr(["x", "a", "c"], ["a", "c"])
        0.5
    """
    rel = set(relevant)
    return next((1.0 / (i + 1) for i, d in enumerate(ranked) if d in rel), 0.0)


def ndcg_at_k(
    ranked: Sequence[Any], relevant: Sequence[Any] | Mapping[Any, float], k: int
) -> float:
    """Normalised discounted cumulative gain at ``k`` (gain = relevance grade, log2 discount).

    Examples:
        >>> round(ndcg_at_k(["x", "a"], ["a"], k=2), 4)
        0.6309
    """
    grades = _relevance(relevant)
    dcg = sum(grades.get(d, 0.0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0
