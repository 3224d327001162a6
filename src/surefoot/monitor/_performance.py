"""Performance per chunk, with a sampling-error band and alert thresholds from the reference.

Both realised performance (labels have arrived) and estimated performance (they have not) are
reported the same way: one :class:`MetricChunk` per metric and chunk. The reference supplies two
numbers a value is judged against: the standard error of the metric on a chunk of that size (how
much it moves by chance alone) and thresholds at the reference chunks' mean plus or minus three
standard deviations, the rule NannyML uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from surefoot.core import InvalidInput
from surefoot.monitor._metrics import ALL_METRICS, Metric, realized_metrics

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from surefoot.monitor._chunks import Chunk, Chunking

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MetricChunk:
    """One metric on one chunk.

    Attributes:
        chunk: The chunk.
        metric: The metric.
        value: Realised or estimated value (NaN when the chunk lacks a class).
        sampling_error: Standard error of the metric on a reference chunk of this size.
        lower_threshold: Alert below this (reference chunks' mean - 3 std, clipped to [0, 1]).
        upper_threshold: Alert above this (mean + 3 std, clipped).
        alert: Whether the value lies outside the thresholds.
    """

    chunk: Chunk
    metric: Metric
    value: float
    sampling_error: float
    lower_threshold: float
    upper_threshold: float
    alert: bool

    @property
    def band(self) -> tuple[float, float]:
        """The value plus or minus three standard errors."""
        return self.value - 3 * self.sampling_error, self.value + 3 * self.sampling_error


@dataclass(frozen=True)
class PerformanceReport:
    """Per-chunk values of each metric, estimated or realised."""

    kind: str
    rows: tuple[MetricChunk, ...]

    def of(self, metric: Metric | str) -> list[MetricChunk]:
        """The rows of one metric, in chunk order."""
        wanted = Metric(metric)
        return [r for r in self.rows if r.metric is wanted]

    def values(self, metric: Metric | str) -> list[float]:
        """One metric's values, in chunk order."""
        return [r.value for r in self.of(metric)]

    def alerts(self, metric: Metric | str) -> list[int]:
        """Indices of the chunks whose value breached a threshold."""
        return [r.chunk.index for r in self.of(metric) if r.alert]


@dataclass
class Baseline:
    """What the reference says about a metric's chance variation and its normal range.

    Args:
        n_rows: Reference rows.
        realize: Realised metrics on the reference rows at the given positions.
        chunking: Reference chunks for the thresholds.
        metrics: Metrics to judge.
        draws: Random reference subsets drawn per chunk size for the standard error.
        seed: Seed of those draws.
    """

    n_rows: int
    realize: Callable[[npt.NDArray[np.intp]], dict[Metric, float]]
    chunking: Chunking
    metrics: tuple[Metric, ...] = ALL_METRICS
    draws: int = 50
    seed: int = 0
    thresholds: dict[Metric, tuple[float, float]] = field(init=False)
    _errors: dict[int, dict[Metric, float]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        per_chunk = [self.realize(c.rows) for c in self.chunking.split(self.n_rows)]
        self.thresholds = {m: _mean_3std([v[m] for v in per_chunk]) for m in self.metrics}

    @classmethod
    def binary(
        cls,
        arrays: tuple[FloatArray, FloatArray, FloatArray],
        chunking: Chunking,
        metrics: tuple[Metric, ...],
        seed: int = 0,
    ) -> Baseline:
        """The baseline of a binary classifier's labels, scores and predictions."""
        y, s, pred = arrays

        def realize(rows: npt.NDArray[np.intp]) -> dict[Metric, float]:
            return realized_metrics(y[rows], s[rows], pred[rows], metrics)

        return cls(len(y), realize, chunking, metrics, seed=seed)

    def standard_error(self, size: int) -> dict[Metric, float]:
        """Each metric's standard deviation over random reference subsets of ``size`` rows.

        Subsets larger than half the reference would mostly share rows and understate the
        spread, so beyond that size the error is measured at half and scaled by
        ``sqrt(half / size)``, the rate at which a mean-like metric's error shrinks.
        """
        half = max(self.n_rows // 2, 1)
        drawn = min(size, half)
        if drawn not in self._errors:
            # A fixed seed per size: the same chunk size always gets the same band.
            rng = np.random.default_rng([self.seed, drawn])
            n = self.n_rows
            draws = [self.realize(rng.choice(n, drawn, replace=False)) for _ in range(self.draws)]
            self._errors[drawn] = {
                m: float(np.nanstd([d[m] for d in draws], ddof=1)) for m in self.metrics
            }
        scale = math.sqrt(drawn / size) if size > drawn else 1.0
        return {m: se * scale for m, se in self._errors[drawn].items()}

    def judge(
        self, kind: str, chunks: Sequence[Chunk], values: Sequence[dict[Metric, float]]
    ) -> PerformanceReport:
        """Attach sampling errors, thresholds and alerts to per-chunk values."""
        rows: list[MetricChunk] = []
        for metric in self.metrics:
            low, high = self.thresholds[metric]
            for chunk, value in zip(chunks, values, strict=True):
                v = value[metric]
                alert = not math.isnan(v) and not low <= v <= high
                se = self.standard_error(chunk.size)[metric]
                rows.append(MetricChunk(chunk, metric, v, se, low, high, alert))
        return PerformanceReport(kind, tuple(rows))


class RealizedPerformance:
    """Per-chunk performance from labels, judged against the reference.

    Args:
        chunking: How analysis (and reference) rows are split.
        metrics: Metrics to compute.
        threshold: Score at or above which a row counts as predicted positive when no
            predictions are given.

    Examples:
        >>> from surefoot.monitor import Chunking
        >>> rng = np.random.default_rng(0)
        >>> s = rng.uniform(size=4000); y = (rng.uniform(size=4000) < s).astype(int)
        >>> perf = RealizedPerformance(Chunking.by_size(1000)).fit(y, s)
        >>> report = perf.calculate(1 - y, s)  # labels flipped: the model became useless
        >>> report.alerts("roc_auc")
        [0, 1, 2, 3]
    """

    def __init__(
        self,
        chunking: Chunking,
        metrics: Sequence[Metric | str] = ALL_METRICS,
        *,
        threshold: float = 0.5,
    ) -> None:
        self.chunking = chunking
        self.metrics = tuple(Metric(m) for m in metrics)
        self.threshold = threshold
        self._baseline: Baseline | None = None

    def fit(
        self, labels: npt.ArrayLike, scores: npt.ArrayLike, predictions: npt.ArrayLike | None = None
    ) -> RealizedPerformance:
        """Learn the sampling errors and thresholds from labelled reference rows."""
        y, s, pred = prepare(labels, scores, predictions, self.threshold)
        self._baseline = Baseline.binary((y, s, pred), self.chunking, self.metrics)
        return self

    def calculate(
        self,
        labels: npt.ArrayLike,
        scores: npt.ArrayLike,
        predictions: npt.ArrayLike | None = None,
        *,
        times_ns: Sequence[int] | None = None,
    ) -> PerformanceReport:
        """Realised metrics per analysis chunk."""
        if self._baseline is None:
            raise InvalidInput("call fit() on labelled reference rows before calculate()")
        y, s, pred = prepare(labels, scores, predictions, self.threshold)
        chunks = self.chunking.split(len(y), times_ns)
        values = [
            realized_metrics(y[c.rows], s[c.rows], pred[c.rows], self.metrics) for c in chunks
        ]
        return self._baseline.judge("realized", chunks, values)


def prepare(
    labels: npt.ArrayLike | None,
    scores: npt.ArrayLike,
    predictions: npt.ArrayLike | None,
    threshold: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate and align labels, scores and predictions (thresholding scores if needed)."""
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1 or np.isnan(s).any():
        raise InvalidInput("scores must be a 1-d array without NaN; drop or impute missing scores")
    pred = (s >= threshold).astype(np.float64) if predictions is None else _binary(predictions)
    y = np.zeros_like(s) if labels is None else _binary(labels)
    if not len(y) == len(s) == len(pred):
        raise InvalidInput("labels, scores and predictions differ in length; align them by row")
    return y, s, pred


def _binary(values: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    if not np.isin(arr, (0.0, 1.0)).all():
        raise InvalidInput("labels and predictions must be 0 or 1; map the positive class to 1")
    return arr


def _mean_3std(values: list[float]) -> tuple[float, float]:
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    if len(arr) < 2:
        return 0.0, 1.0  # one reference chunk gives no spread: never alert rather than guess
    # The population deviation (ddof=0), as NannyML uses, so both tools alert on the same chunks.
    mean, std = float(arr.mean()), float(arr.std())
    return max(0.0, mean - 3 * std), min(1.0, mean + 3 * std)
