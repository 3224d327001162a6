"""Multivariate drift by PCA reconstruction error: a change in how the fields move together.

Univariate tests miss drift that leaves every marginal distribution alone but breaks the
correlations between fields. Following NannyML's data reconstruction drift, the reference is
encoded and standardised, compressed onto the principal components that keep a share of its
variance (65 % by default), and decompressed again. The mean Euclidean distance between a row and
its reconstruction is small while new data shares the reference's structure and grows when it
does not. Fitting happens once, on the reference; judging a chunk is one matrix product.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from surefoot.core import InvalidInput
from surefoot.monitor._drift import VerdictStatus
from surefoot.monitor._encoding import FloatArray, TabularEncoder

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from surefoot.monitor._chunks import Chunk, Chunking


@dataclass(frozen=True)
class MultivariateVerdict:
    """One chunk judged by a multivariate drift method.

    Attributes:
        chunk: The chunk judged.
        method: ``"pca_reconstruction"`` or ``"domain_classifier"``.
        value: The method's statistic (mean reconstruction error, or cross-validated AUC).
        sampling_error: Standard error of the statistic on a chunk of this size.
        lower_threshold: Drift below this (NaN when only an upper bound is meaningful).
        upper_threshold: Drift above this.
        effect_size: Standardised change (error: difference in reference row deviations;
            classifier: Gini ``2 * AUC - 1``).
        p_value: Test that the chunk is exchangeable with the reference.
        status: Drift when the value crosses a threshold and ``p_value <= alpha``.
        message: A sentence a person can act on.
    """

    chunk: Chunk
    method: str
    value: float
    sampling_error: float
    lower_threshold: float
    upper_threshold: float
    effect_size: float
    p_value: float
    status: VerdictStatus
    message: str


@dataclass(frozen=True)
class MultivariateReport:
    """Verdicts per chunk for one method."""

    method: str
    verdicts: tuple[MultivariateVerdict, ...]

    @property
    def drifted(self) -> list[int]:
        """Indices of the chunks that drifted."""
        return [v.chunk.index for v in self.verdicts if v.status is VerdictStatus.DRIFT]

    @property
    def values(self) -> list[float]:
        """The statistic per chunk."""
        return [v.value for v in self.verdicts]


class PCAReconstruction:
    """Reconstruction-error drift, fitted on reference columns.

    Args:
        chunking: How rows are split (the reference too, for the thresholds).
        variance: Share of the reference variance the kept components must explain.
        alpha: Significance level of the per-chunk z-test.

    Examples:
        >>> from surefoot.monitor import Chunking
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=4000); y = x + rng.normal(scale=0.2, size=4000)
        >>> pca = PCAReconstruction(Chunking.by_size(1000)).fit({"x": x, "y": y})
        >>> pca.calculate({"x": x[:2000], "y": np.r_[y[:1000], -y[1000:2000]]}).drifted
        [1]
    """

    method = "pca_reconstruction"

    def __init__(self, chunking: Chunking, *, variance: float = 0.65, alpha: float = 0.05) -> None:
        if not 0.0 < variance <= 1.0:
            raise InvalidInput(f"variance must lie in (0, 1], got {variance}; try 0.65")
        self.chunking = chunking
        self.variance = variance
        self.alpha = alpha
        self._encoder: TabularEncoder | None = None
        self._components: FloatArray = np.empty((0, 0))
        self._row_mean = self._row_std = math.nan
        self._thresholds = (math.nan, math.nan)

    @property
    def n_components(self) -> int:
        """Principal components kept."""
        return int(self._components.shape[0])

    def fit(self, reference: Mapping[str, Any]) -> PCAReconstruction:
        """Fit the encoder, the components and the thresholds on reference columns."""
        self._encoder = TabularEncoder.fit(reference)
        x = self._encoder.transform(reference)
        _, sing, vt = np.linalg.svd(x, full_matrices=False)
        explained = np.cumsum(sing**2) / max(float(np.sum(sing**2)), 1e-300)
        k = int(np.searchsorted(explained, self.variance - 1e-12) + 1)
        self._components = vt[: min(k, len(sing))]
        errors = self._errors(x)
        self._row_mean, self._row_std = float(errors.mean()), float(errors.std(ddof=1))
        per_chunk = [errors[c.rows].mean() for c in self.chunking.split(len(errors))]
        if len(per_chunk) < 2:
            raise InvalidInput("the reference makes fewer than 2 chunks; use smaller chunks")
        # Population deviation over reference chunks, as NannyML's thresholds use.
        mean, std = float(np.mean(per_chunk)), float(np.std(per_chunk))
        self._thresholds = (mean - 3 * std, mean + 3 * std)
        return self

    def errors(self, columns: Mapping[str, Any]) -> FloatArray:
        """Reconstruction error of each row."""
        if self._encoder is None:
            raise InvalidInput("call fit() on reference columns first")
        return self._errors(self._encoder.transform(columns))

    def calculate(
        self, columns: Mapping[str, Any], *, times_ns: Sequence[int] | None = None
    ) -> MultivariateReport:
        """Judge each chunk of ``columns`` against the reference."""
        errors = self.errors(columns)
        chunks = self.chunking.split(len(errors), times_ns)
        return MultivariateReport(
            self.method, tuple(self._judge(c, errors[c.rows]) for c in chunks)
        )

    def _errors(self, x: FloatArray) -> FloatArray:
        restored = (x @ self._components.T) @ self._components
        return np.asarray(np.linalg.norm(x - restored, axis=1), dtype=np.float64)

    def _judge(self, chunk: Chunk, errors: FloatArray) -> MultivariateVerdict:
        value = float(errors.mean())
        se = self._row_std / math.sqrt(len(errors))
        low, high = self._thresholds
        # Two-sided z-test of the chunk's mean error against the reference rows' distribution.
        z = (value - self._row_mean) / se if se > 0 else 0.0
        p = float(2 * stats.norm.sf(abs(z)))
        effect = (value - self._row_mean) / self._row_std if self._row_std > 0 else 0.0
        drift = not low <= value <= high and p <= self.alpha
        status = VerdictStatus.DRIFT if drift else VerdictStatus.NO_DRIFT
        message = (
            f"chunk {chunk.key}: reconstruction error {value:.4g} outside [{low:.4g}, {high:.4g}]"
            f" (p {p:.2g}); the fields' joint structure changed, compare univariate drift"
            if drift
            else f"chunk {chunk.key}: reconstruction error {value:.4g} in [{low:.4g}, {high:.4g}]"
        )
        return MultivariateVerdict(
            chunk, self.method, value, se, low, high, effect, p, status, message
        )
