"""Confidence-based performance estimation: model performance before the labels arrive.

A calibrated score is the probability that the row's label is positive. Summed over a chunk, those
probabilities give the expected confusion matrix and the expected ROC curve, and from them the
expected accuracy, precision, recall, specificity, F1 and ROC AUC, all without one label. The
estimate holds while the relation between inputs and labels does not change (covariate shift is
fine; concept drift is not), which is why the realised values should be checked once labels land.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from surefoot.core import InvalidInput
from surefoot.monitor._calibration import CalibrationMethod, Calibrator, fit_calibrator
from surefoot.monitor._metrics import ALL_METRICS, Metric, expected_metrics
from surefoot.monitor._performance import Baseline, PerformanceReport, prepare

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    import numpy.typing as npt

    from surefoot.monitor._chunks import Chunking

    FloatArray = npt.NDArray[np.float64]


class CBPE:
    """Estimate a binary classifier's performance per chunk from its scores alone.

    Fit on a labelled reference (calibration, sampling errors and thresholds are all learned
    there), then estimate on as many unlabelled chunks as needed: estimating costs one calibration
    lookup and one sort per chunk.

    Args:
        chunking: How reference and analysis rows are split.
        metrics: Metrics to estimate.
        calibration: ``auto`` (cross-validated choice), ``isotonic``, ``platt`` or ``none``.
        threshold: Score at or above which a row is predicted positive when no predictions
            are given.
        seed: Seed for the calibration folds and the sampling-error draws.

    Examples:
        >>> import numpy as np
        >>> from surefoot.monitor import Chunking
        >>> rng = np.random.default_rng(1)
        >>> s = rng.uniform(size=20_000); y = (rng.uniform(size=20_000) < s).astype(int)
        >>> cbpe = CBPE(Chunking.by_size(2_000), metrics=["roc_auc"]).fit(y[:10_000], s[:10_000])
        >>> estimate = cbpe.estimate(s[10_000:])
        >>> [round(v, 2) for v in estimate.values("roc_auc")][:3]
        [0.83, 0.84, 0.83]
        >>> estimate.alerts("roc_auc")
        []
    """

    def __init__(
        self,
        chunking: Chunking,
        metrics: Sequence[Metric | str] = ALL_METRICS,
        *,
        calibration: CalibrationMethod | str = CalibrationMethod.AUTO,
        threshold: float = 0.5,
        seed: int = 0,
    ) -> None:
        self.chunking = chunking
        self.metrics = tuple(Metric(m) for m in metrics)
        self.calibration = CalibrationMethod(calibration)
        self.threshold = threshold
        self.seed = seed
        self._calibrator: Calibrator | None = None
        self._baseline: Baseline | None = None

    @property
    def calibrator(self) -> Calibrator:
        """The calibrator fitted on the reference."""
        if self._calibrator is None:
            raise InvalidInput("call fit() on labelled reference rows first")
        return self._calibrator

    def fit(
        self, labels: npt.ArrayLike, scores: npt.ArrayLike, predictions: npt.ArrayLike | None = None
    ) -> CBPE:
        """Calibrate on the reference and learn its sampling errors and thresholds.

        Thresholds are the *realised* values on reference chunks (mean +- 3 std), as NannyML
        sets them: an estimate is judged against how the metric really moved on known data.
        """
        y, s, pred = prepare(labels, scores, predictions, self.threshold)
        self._calibrator = fit_calibrator(s, y, self.calibration, seed=self.seed)
        self._baseline = Baseline.binary((y, s, pred), self.chunking, self.metrics, self.seed)
        return self

    def estimate(
        self,
        scores: npt.ArrayLike,
        predictions: npt.ArrayLike | None = None,
        *,
        times_ns: Sequence[int] | None = None,
    ) -> PerformanceReport:
        """Estimated metrics per analysis chunk, with bands, thresholds and alerts."""
        if self._baseline is None:
            raise InvalidInput("call fit() on labelled reference rows before estimate()")
        _, s, pred = prepare(None, scores, predictions, self.threshold)
        chunks = self.chunking.split(len(s), times_ns)
        values = [self._estimate_rows(s[c.rows], pred[c.rows]) for c in chunks]
        return self._baseline.judge("estimated", chunks, values)

    def _estimate_rows(self, s: FloatArray, pred: FloatArray) -> dict[Metric, float]:
        return expected_metrics(self.calibrator.predict(s), s, pred, self.metrics)
