"""Multiclass performance, realised and estimated: one-vs-rest per class, macro-averaged.

Each class is treated as its own binary problem with its score column: its calibrator is fitted
one-vs-rest on the reference, the calibrated columns are renormalised to sum to one per row, and
a class's expected confusion counts and ROC curve come from its column as in the binary case.
Metrics are the unweighted mean over classes (macro), as NannyML reports them; accuracy is the
expected share of rows whose predicted class is the true one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from surefoot.core import InvalidInput
from surefoot.monitor._calibration import CalibrationMethod, Calibrator, fit_calibrator
from surefoot.monitor._metrics import ALL_METRICS, Metric, realized_metrics
from surefoot.monitor._performance import Baseline, PerformanceReport

if TYPE_CHECKING:
    from collections.abc import Sequence

    from surefoot.monitor._chunks import Chunking

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def macro_metrics(
    positive: FloatArray, scores: FloatArray, predicted: IntArray, metrics: Sequence[Metric]
) -> dict[Metric, float]:
    """Macro-averaged metrics from per-class positive mass (one-hot labels or probabilities).

    Examples:
        >>> onehot = np.eye(3)[[0, 1, 2, 2]]
        >>> m = macro_metrics(onehot, onehot, np.array([0, 1, 2, 1]), [Metric.ACCURACY])
        >>> m[Metric.ACCURACY]
        0.75
    """
    per_class = [
        realized_metrics(positive[:, c], scores[:, c], (predicted == c).astype(float), metrics)
        for c in range(positive.shape[1])
    ]
    out = {m: float(np.nanmean([pc[m] for pc in per_class])) for m in metrics}
    if Metric.ACCURACY in out:
        out[Metric.ACCURACY] = float(positive[np.arange(len(predicted)), predicted].mean())
    return out


class _Multiclass:
    """Shared input handling: class order, label codes and the score matrix."""

    def __init__(
        self, chunking: Chunking, classes: Sequence[Any], metrics: Sequence[Metric | str]
    ) -> None:
        if len(classes) < 3:
            raise InvalidInput("multiclass needs 3 or more classes; use CBPE for two")
        self.chunking = chunking
        self.classes = tuple(classes)
        self.metrics = tuple(Metric(m) for m in metrics)
        self._baseline: Baseline | None = None

    def _codes(self, values: Sequence[Any]) -> IntArray:
        index = {c: i for i, c in enumerate(self.classes)}
        unknown = {v for v in values if v not in index}
        if unknown:
            raise InvalidInput(f"classes {sorted(map(str, unknown))} are not in {self.classes}")
        return np.array([index[v] for v in values], dtype=np.intp)

    def _inputs(
        self, scores: npt.ArrayLike, predictions: Sequence[Any] | None
    ) -> tuple[FloatArray, IntArray]:
        s = np.asarray(scores, dtype=np.float64)
        if s.ndim != 2 or s.shape[1] != len(self.classes):
            raise InvalidInput(f"scores must be (rows, {len(self.classes)}): one column per class")
        pred = s.argmax(axis=1) if predictions is None else self._codes(predictions)
        if len(pred) != len(s):
            raise InvalidInput("scores and predictions differ in length; align them by row")
        return s, pred

    def _fit_baseline(
        self, labels: Sequence[Any], s: FloatArray, pred: IntArray, seed: int
    ) -> FloatArray:
        onehot = np.eye(len(self.classes))[self._codes(labels)]
        if len(onehot) != len(s):
            raise InvalidInput("labels and scores differ in length; align them by row")

        def realize(rows: IntArray) -> dict[Metric, float]:
            return macro_metrics(onehot[rows], s[rows], pred[rows], self.metrics)

        self._baseline = Baseline(len(s), realize, self.chunking, self.metrics, seed=seed)
        return onehot

    def _judge(
        self,
        kind: str,
        s: FloatArray,
        mass: FloatArray,
        pred: IntArray,
        times_ns: Sequence[int] | None,
    ) -> PerformanceReport:
        if self._baseline is None:
            raise InvalidInput("call fit() on labelled reference rows first")
        chunks = self.chunking.split(len(s), times_ns)
        values = [
            macro_metrics(mass[c.rows], s[c.rows], pred[c.rows], self.metrics) for c in chunks
        ]
        return self._baseline.judge(kind, chunks, values)


class MulticlassPerformance(_Multiclass):
    """Realised macro-averaged performance per chunk of a multiclass classifier.

    Args:
        chunking: How rows are split.
        classes: Class labels, in the order of the score columns.
        metrics: Metrics to compute.
    """

    def __init__(
        self,
        chunking: Chunking,
        classes: Sequence[Any],
        metrics: Sequence[Metric | str] = ALL_METRICS,
    ) -> None:
        super().__init__(chunking, classes, metrics)

    def fit(
        self, labels: Sequence[Any], scores: npt.ArrayLike, predictions: Sequence[Any] | None = None
    ) -> MulticlassPerformance:
        """Learn sampling errors and thresholds from labelled reference rows."""
        s, pred = self._inputs(scores, predictions)
        self._fit_baseline(labels, s, pred, 0)
        return self

    def calculate(
        self,
        labels: Sequence[Any],
        scores: npt.ArrayLike,
        predictions: Sequence[Any] | None = None,
        *,
        times_ns: Sequence[int] | None = None,
    ) -> PerformanceReport:
        """Realised metrics per chunk."""
        s, pred = self._inputs(scores, predictions)
        onehot = np.eye(len(self.classes))[self._codes(labels)]
        return self._judge("realized", s, onehot, pred, times_ns)


class MulticlassCBPE(_Multiclass):
    """Estimate a multiclass classifier's macro-averaged performance from its class scores.

    Args:
        chunking: How rows are split.
        classes: Class labels, in the order of the score columns.
        metrics: Metrics to estimate.
        calibration: Calibration method per class (one-vs-rest).
        seed: Seed of the calibration folds and the sampling-error draws.

    Examples:
        >>> from surefoot.monitor import Chunking
        >>> rng = np.random.default_rng(0)
        >>> p = rng.dirichlet([1, 1, 1], 9_000)
        >>> y = [int(rng.choice(3, p=row)) for row in p]
        >>> cbpe = MulticlassCBPE(Chunking.by_size(1_500), [0, 1, 2], ["accuracy"])
        >>> cbpe = cbpe.fit(y[:6_000], p[:6_000])
        >>> [round(v, 2) for v in cbpe.estimate(p[6_000:]).values("accuracy")]
        [0.61, 0.61]
    """

    def __init__(
        self,
        chunking: Chunking,
        classes: Sequence[Any],
        metrics: Sequence[Metric | str] = ALL_METRICS,
        *,
        calibration: CalibrationMethod | str = CalibrationMethod.AUTO,
        seed: int = 0,
    ) -> None:
        super().__init__(chunking, classes, metrics)
        self.calibration = CalibrationMethod(calibration)
        self.seed = seed
        self._calibrators: list[Calibrator] = []

    def fit(
        self, labels: Sequence[Any], scores: npt.ArrayLike, predictions: Sequence[Any] | None = None
    ) -> MulticlassCBPE:
        """Calibrate each class one-vs-rest and learn sampling errors and thresholds."""
        s, pred = self._inputs(scores, predictions)
        onehot = self._fit_baseline(labels, s, pred, self.seed)
        self._calibrators = [
            fit_calibrator(s[:, c], onehot[:, c], self.calibration, seed=self.seed)
            for c in range(len(self.classes))
        ]
        return self

    def estimate(
        self,
        scores: npt.ArrayLike,
        predictions: Sequence[Any] | None = None,
        *,
        times_ns: Sequence[int] | None = None,
    ) -> PerformanceReport:
        """Estimated macro metrics per chunk, with bands, thresholds and alerts."""
        s, pred = self._inputs(scores, predictions)
        if not self._calibrators:
            raise InvalidInput("call fit() on labelled reference rows before estimate()")
        calibrated = np.column_stack(
            [cal.predict(s[:, c]) for c, cal in enumerate(self._calibrators)]
        )
        # One-vs-rest calibrators need not agree; renormalising keeps each row a distribution.
        total = calibrated.sum(axis=1, keepdims=True)
        mass = np.divide(
            calibrated, total, out=np.full_like(calibrated, 1 / len(self.classes)), where=total > 0
        )
        return self._judge("estimated", s, mass, pred, times_ns)
