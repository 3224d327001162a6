"""Multiclass performance: macro metrics agree with scikit-learn and the estimate tracks them."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from sklearn import metrics as sk  # type: ignore[import-untyped]

from surefoot.core import InvalidInput
from surefoot.monitor import Chunking, Metric, MulticlassCBPE, MulticlassPerformance

CLASSES = ["cat", "dog", "fox"]


def _calibrated(rng: np.random.Generator, n: int) -> tuple[npt.NDArray[np.float64], list[str]]:
    """Class probabilities from a Dirichlet and labels drawn with exactly those probabilities."""
    p = rng.dirichlet([0.6, 0.6, 0.6], n)
    cumulative = p.cumsum(axis=1)
    codes = (rng.uniform(size=(n, 1)) > cumulative).sum(axis=1).clip(0, 2)
    return p, [CLASSES[c] for c in codes]


def test_realized_macro_metrics_match_scikit_learn() -> None:
    """Macro one-vs-rest ROC AUC, macro F1 and accuracy equal scikit-learn's."""
    rng = np.random.default_rng(0)
    p, y = _calibrated(rng, 3_000)
    perf = MulticlassPerformance(Chunking.by_count(1), CLASSES).fit(y, p)
    report = perf.calculate(y, p)
    predicted = [CLASSES[i] for i in p.argmax(axis=1)]
    codes = [CLASSES.index(v) for v in y]
    assert report.values(Metric.ROC_AUC)[0] == pytest.approx(
        sk.roc_auc_score(codes, p, multi_class="ovr", average="macro")
    )
    assert report.values(Metric.F1)[0] == pytest.approx(sk.f1_score(y, predicted, average="macro"))
    assert report.values(Metric.ACCURACY)[0] == pytest.approx(sk.accuracy_score(y, predicted))


def test_estimate_lies_within_the_sampling_band() -> None:
    """Over 6 seeds, at least 95% of macro estimates lie within 3 standard errors of realised."""
    metrics = [Metric.ROC_AUC, Metric.ACCURACY, Metric.F1]
    inside = total = 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        p_ref, y_ref = _calibrated(rng, 4_000)
        p, y = _calibrated(rng, 4_000)
        chunking = Chunking.by_size(1_000)
        est = MulticlassCBPE(chunking, CLASSES, metrics, seed=seed).fit(y_ref, p_ref).estimate(p)
        real = MulticlassPerformance(chunking, CLASSES, metrics).fit(y_ref, p_ref).calculate(y, p)
        for e, r in zip(est.rows, real.rows, strict=True):
            inside += e.band[0] <= r.value <= e.band[1]
            total += 1
    assert inside / total >= 0.95


def test_unknown_class_is_refused() -> None:
    """A label outside the declared classes is named in the error."""
    rng = np.random.default_rng(1)
    p, _ = _calibrated(rng, 10)
    with pytest.raises(InvalidInput, match="wolf"):
        MulticlassPerformance(Chunking.by_size(5), CLASSES).fit(["wolf"] * 10, p)


def test_two_classes_are_sent_to_the_binary_estimator() -> None:
    """With two classes the binary CBPE is the right tool, and the error says so."""
    with pytest.raises(InvalidInput, match="CBPE"):
        MulticlassCBPE(Chunking.by_size(5), ["no", "yes"])
