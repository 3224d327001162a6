"""Multivariate drift by a domain classifier: can a model tell current rows from reference rows?

For each chunk, a classifier learns to separate reference rows from the chunk's rows, and its
cross-validated ROC AUC measures how different the two are: 0.5 when they are exchangeable, near 1
when every row gives itself away. NannyML trains LightGBM for this; surefoot fits an L2-penalised
logistic regression (a few Newton steps) on the standardised fields *and their squares* (so changes
in spread register, not only in location). That keeps the monitor free of a compiled boosting
library, trains in milliseconds per chunk, and still sees the shifts that matter in practice; what
it gives up is interactions between fields, which the PCA reconstruction error covers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from surefoot.core import InvalidInput
from surefoot.monitor._drift import VerdictStatus
from surefoot.monitor._encoding import FloatArray, TabularEncoder
from surefoot.monitor._metrics import roc_auc
from surefoot.monitor._multivariate import MultivariateReport, MultivariateVerdict

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from surefoot.monitor._chunks import Chunk, Chunking


class DomainClassifier:
    """Domain-classifier drift, fitted once on reference columns.

    Args:
        chunking: How analysis rows are split.
        threshold: AUC at or above which drift counts as material (NannyML's default 0.65).
        alpha: Significance level of the AUC's Mann-Whitney test.
        folds: Cross-validation folds per chunk.
        penalty: L2 penalty on the coefficients.
        max_reference_rows: Reference rows sampled per chunk (speed; the test accounts for it).
        seed: Seed of the sampling and the folds.

    Examples:
        >>> from surefoot.monitor import Chunking
        >>> rng = np.random.default_rng(0)
        >>> ref = {"x": rng.normal(size=3000), "c": rng.choice(["a", "b"], 3000).tolist()}
        >>> cur = {"x": np.r_[rng.normal(size=500), rng.normal(2, 1, 500)], "c": ["a"] * 1000}
        >>> report = DomainClassifier(Chunking.by_size(500)).fit(ref).calculate(cur)
        >>> [round(v, 1) for v in report.values], report.drifted
        ([0.8, 1.0], [0, 1])
    """

    method = "domain_classifier"

    def __init__(
        self,
        chunking: Chunking,
        *,
        threshold: float = 0.65,
        alpha: float = 0.05,
        folds: int = 5,
        penalty: float = 1.0,
        max_reference_rows: int = 10_000,
        seed: int = 0,
    ) -> None:
        if folds < 2:
            raise InvalidInput(f"folds must be at least 2, got {folds}; try 5")
        self.chunking = chunking
        self.threshold = threshold
        self.alpha = alpha
        self.folds = folds
        self.penalty = penalty
        self.max_reference_rows = max_reference_rows
        self.seed = seed
        self._encoder: TabularEncoder | None = None
        self._reference: FloatArray = np.empty((0, 0))

    def fit(self, reference: Mapping[str, Any]) -> DomainClassifier:
        """Fit the encoding on the reference and keep its encoded rows."""
        self._encoder = TabularEncoder.fit(reference)
        self._reference = _features(self._encoder.transform(reference))
        return self

    def calculate(
        self, columns: Mapping[str, Any], *, times_ns: Sequence[int] | None = None
    ) -> MultivariateReport:
        """Judge each chunk of ``columns`` against the reference."""
        if self._encoder is None:
            raise InvalidInput("call fit() on reference columns first")
        x = _features(self._encoder.transform(columns))
        chunks = self.chunking.split(len(x), times_ns)
        return MultivariateReport(self.method, tuple(self._judge(c, x[c.rows]) for c in chunks))

    def _judge(self, chunk: Chunk, current: FloatArray) -> MultivariateVerdict:
        # Seeded per chunk index: the same chunk always gets the same sample and folds.
        rng = np.random.default_rng([self.seed, chunk.index])
        n_ref = min(len(self._reference), self.max_reference_rows)
        ref = self._reference[rng.choice(len(self._reference), n_ref, replace=False)]
        x = np.vstack([ref, current])
        y = np.r_[np.zeros(n_ref), np.ones(len(current))]
        auc = roc_auc(y, self._out_of_fold(x, y, rng))
        n1, n0 = len(current), n_ref
        # Under exchangeability AUC is Mann-Whitney U / (n1 n0): normal with this spread.
        se = math.sqrt((n1 + n0 + 1) / (12 * n1 * n0)) if n1 and n0 else math.nan
        p = float(stats.norm.sf((auc - 0.5) / se)) if se > 0 and not math.isnan(auc) else 1.0
        drift = auc >= self.threshold and p <= self.alpha
        status = VerdictStatus.DRIFT if drift else VerdictStatus.NO_DRIFT
        message = (
            f"chunk {chunk.key}: a classifier tells it from the reference (AUC {auc:.3f} >= "
            f"{self.threshold:g}, p {p:.2g}); look at the fields with the largest univariate drift"
            if drift
            else f"chunk {chunk.key}: indistinguishable enough from the reference (AUC {auc:.3f})"
        )
        return MultivariateVerdict(
            chunk, self.method, auc, se, math.nan, self.threshold, 2 * auc - 1, p, status, message
        )

    def _out_of_fold(self, x: FloatArray, y: FloatArray, rng: np.random.Generator) -> FloatArray:
        # Folds stratified by construction: each class is permuted and dealt round-robin.
        fold = np.empty(len(y), dtype=np.intp)
        for cls in (0.0, 1.0):
            idx = np.flatnonzero(y == cls)
            fold[rng.permutation(idx)] = np.arange(len(idx)) % self.folds
        scores = np.empty(len(y))
        for k in range(self.folds):
            test = fold == k
            w = _fit_logistic(x[~test], y[~test], self.penalty)
            scores[test] = np.einsum("ij,j->i", x[test], w[:-1]) + w[-1]
        return scores


def _features(x: FloatArray) -> FloatArray:
    return np.hstack([x, x**2 - 1.0])


def _fit_logistic(x: FloatArray, y: FloatArray, penalty: float) -> FloatArray:
    """Newton's method on the class-balanced, L2-penalised log-loss; returns coefficients + bias.

    With a few dozen features the Hessian is tiny, so Newton converges in a handful of steps.
    Products go through ``einsum`` rather than ``@``: these tall-skinny products are
    memory-bound, and OpenBLAS's threaded kernels spin their workers against each other on a
    busy small machine (measured 25x slower under load); numpy's own loop stays on one thread.
    """
    xa = np.hstack([x, np.ones((len(x), 1))])
    # Class weights balance reference and chunk, so a small chunk is not drowned out.
    n_pos = max(float(y.sum()), 1.0)
    weight = np.where(y == 1.0, 0.5 / n_pos, 0.5 / max(len(y) - n_pos, 1.0))
    ridge = np.full(xa.shape[1], penalty / len(y))
    ridge[-1] = 1e-12  # the bias is not penalised; the epsilon keeps the Hessian invertible
    w = np.zeros(xa.shape[1])
    loss = _loss(xa, y, weight, ridge, w)
    for _ in range(_MAX_NEWTON_STEPS):
        z = np.einsum("ij,j->i", xa, w)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = np.einsum("ij,i->j", xa, weight * (p - y)) + ridge * w
        hess = np.einsum("ij,i,ik->jk", xa, weight * p * (1 - p), xa) + np.diag(ridge)
        step = np.linalg.solve(hess, grad)
        # Backtrack when a full step overshoots (nearly separable chunks).
        for _ in range(_MAX_HALVINGS):
            candidate = _loss(xa, y, weight, ridge, w - step)
            if candidate <= loss:
                break
            step = step / 2
        w, loss = w - step, min(loss, candidate)
        if float(np.max(np.abs(step))) < 1e-7:
            break
    return w


def _loss(
    xa: FloatArray, y: FloatArray, weight: FloatArray, ridge: FloatArray, w: FloatArray
) -> float:
    z = np.einsum("ij,j->i", xa, w)
    # log(1 + e^z) - y z, written stably for large |z|.
    ll = np.logaddexp(0.0, z) - y * z
    return float(np.einsum("i,i->", weight, ll) + 0.5 * np.einsum("j,j,j->", ridge, w, w))


_MAX_NEWTON_STEPS = 50
_MAX_HALVINGS = 20
