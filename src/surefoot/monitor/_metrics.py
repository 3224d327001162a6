"""Classification metrics, realised from labels or expected from calibrated probabilities.

Both paths reduce to one confusion matrix (counts, or expected counts) and one ROC curve, so a
realised and an estimated value of the same metric are computed by the same formula.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from surefoot.core import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Sequence

FloatArray = npt.NDArray[np.float64]


class Metric(StrEnum):
    """A binary classification metric."""

    ROC_AUC = "roc_auc"
    ACCURACY = "accuracy"
    PRECISION = "precision"
    RECALL = "recall"
    SPECIFICITY = "specificity"
    F1 = "f1"


ALL_METRICS: tuple[Metric, ...] = tuple(Metric)


def realized_metrics(
    labels: npt.ArrayLike,
    scores: npt.ArrayLike,
    predictions: npt.ArrayLike,
    metrics: Sequence[Metric] = ALL_METRICS,
) -> dict[Metric, float]:
    """Metrics from true 0/1 labels, scores and 0/1 predictions.

    Examples:
        >>> m = realized_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], [0, 1, 0, 1])
        >>> m[Metric.ROC_AUC], m[Metric.ACCURACY], m[Metric.F1]
        (0.75, 0.5, 0.5)
    """
    y = np.asarray(labels, dtype=np.float64)
    return _metrics(y, np.asarray(scores, dtype=np.float64), _as01(predictions), metrics)


def expected_metrics(
    probabilities: npt.ArrayLike,
    scores: npt.ArrayLike,
    predictions: npt.ArrayLike,
    metrics: Sequence[Metric] = ALL_METRICS,
) -> dict[Metric, float]:
    """Expected metrics when each label is positive with its calibrated probability.

    The confusion matrix becomes expected counts (a row with probability ``p`` predicted positive
    adds ``p`` to true positives and ``1 - p`` to false positives); the ROC curve orders rows by
    the raw score and accumulates expected positives and negatives, as confidence-based
    performance estimation does.

    Examples:
        >>> m = expected_metrics([0.1, 0.2, 0.8, 0.9], [0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])
        >>> round(m[Metric.ACCURACY], 3), round(m[Metric.ROC_AUC], 3)
        (0.85, 0.875)
    """
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 0.0, 1.0)
    return _metrics(p, np.asarray(scores, dtype=np.float64), _as01(predictions), metrics)


def _metrics(
    y: FloatArray, s: FloatArray, pred: FloatArray, metrics: Sequence[Metric]
) -> dict[Metric, float]:
    if not (len(y) == len(s) == len(pred)):
        raise InvalidInput("labels, scores and predictions differ in length; align them by row")
    tp = float(np.dot(y, pred))
    fp = float(np.dot(1 - y, pred))
    fn = float(np.dot(y, 1 - pred))
    tn = float(np.dot(1 - y, 1 - pred))
    out: dict[Metric, float] = {}
    for metric in metrics:
        if metric is Metric.ROC_AUC:
            out[metric] = roc_auc(y, s)
        else:
            out[metric] = _from_confusion(metric, tp, fp, fn, tn)
    return out


def roc_auc(positive: npt.ArrayLike, scores: npt.ArrayLike) -> float:
    """Area under the ROC curve; ``positive`` holds 0/1 labels or probabilities of a positive.

    Rows are ordered by score; tied scores form one step, so with 0/1 labels this equals the
    Mann–Whitney estimate. NaN when the rows hold no positive or no negative mass.

    Examples:
        >>> roc_auc([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4])
        0.75
    """
    w = np.asarray(positive, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-s, kind="mergesort")
    s, w = s[order], w[order]
    # Cumulative mass at the last row of each run of equal scores: one ROC point per threshold.
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1] if len(s) else np.array([], dtype=int)
    tps = np.cumsum(w)[last]
    fps = np.cumsum(1 - w)[last]
    if not len(tps) or tps[-1] <= 0 or fps[-1] <= 0:
        return float("nan")
    tpr = np.r_[0.0, tps / tps[-1]]
    fpr = np.r_[0.0, fps / fps[-1]]
    return float(np.trapezoid(tpr, fpr))


def _from_confusion(metric: Metric, tp: float, fp: float, fn: float, tn: float) -> float:
    if metric is Metric.ACCURACY:
        return _ratio(tp + tn, tp + fp + fn + tn)
    if metric is Metric.PRECISION:
        return _ratio(tp, tp + fp)
    if metric is Metric.RECALL:
        return _ratio(tp, tp + fn)
    if metric is Metric.SPECIFICITY:
        return _ratio(tn, tn + fp)
    return _ratio(2 * tp, 2 * tp + fp + fn)


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else float("nan")


def _as01(predictions: npt.ArrayLike) -> FloatArray:
    pred = np.asarray(predictions, dtype=np.float64)
    if not np.isin(pred, (0.0, 1.0)).all():
        raise InvalidInput("predictions must be 0 or 1; threshold the scores first")
    return pred
