"""Drift of embedding vectors: a kernel test and a domain classifier against a fixed reference.

Per-dimension tests on embeddings miss what matters (a topic change moves many dimensions a
little, together) and drown in multiple comparisons. Two whole-vector tests do better:

* **MMD** with an RBF kernel: a distance between distributions that is zero only when they are
  equal. The bandwidth is the median heuristic on the reference, fixed at fit time so every
  window is measured with the same ruler. Its p-value comes from a seeded permutation test.
* A **domain classifier**: a logistic regression, cross-validated, trying to tell current rows
  from reference rows. Its AUC reads plainly (0.5: indistinguishable; 1.0: disjoint). It is
  fitted with ``scipy.optimize`` rather than scikit-learn, which stays out of the runtime
  dependencies; on a reference-fitted PCA projection a linear model is the right capacity for a
  few hundred rows, and L-BFGS on the convex log-loss converges to the same optimum.

Large windows are subsampled (seeded) to ``max_samples`` rows per side: the kernel matrix is
quadratic in rows, and a thousand rows per side already detects shifts far below any that matter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from surefoot.core import InvalidInput
from surefoot.monitor._drift import VerdictStatus
from surefoot.monitor._embedding_stats import (
    FloatArray,
    as_matrix,
    classifier_test,
    median_bandwidth,
    mmd_permutation_test,
)
from surefoot.monitor._stats import StatResult, benjamini_hochberg

if TYPE_CHECKING:
    from collections.abc import Sequence


class EmbeddingMethod(StrEnum):
    """A whole-vector drift test; each names its effect size."""

    MMD = "mmd"  # effect: unbiased squared MMD (RBF kernel), p-value: permutation test
    CLASSIFIER = "classifier"  # effect: cross-validated AUC, p-value: Mann–Whitney


# Squared MMD has no scale-free reading (it shrinks with the dimension for the same shift), so
# by default it gates on significance alone; the AUC is the materiality gate that reads the same
# in any embedding space. Set an MMD threshold once you know your space.
EMBEDDING_THRESHOLDS = {EmbeddingMethod.MMD: 0.0, EmbeddingMethod.CLASSIFIER: 0.55}
# Fewer vectors than this on either side cannot support either test.
MIN_VECTORS = 20


@dataclass(frozen=True)
class EmbeddingVerdict:
    """One test of a window of embeddings against the reference.

    Attributes:
        method: The test.
        effect_size: Squared MMD or AUC (NaN when too few vectors).
        threshold: Effect size at or above which drift is material.
        p_value: Raw p-value.
        adjusted_p_value: Benjamini–Hochberg adjusted across the report's tests.
        n_reference: Reference vectors used (after subsampling).
        n_current: Current vectors used (after subsampling).
        status: Drift, no drift, or too few vectors.
        message: A sentence a person can act on.
    """

    method: EmbeddingMethod
    effect_size: float
    threshold: float
    p_value: float
    adjusted_p_value: float
    n_reference: int
    n_current: int
    status: VerdictStatus
    message: str


@dataclass(frozen=True)
class EmbeddingDriftReport:
    """The verdicts of one window; drift when any test says so."""

    verdicts: tuple[EmbeddingVerdict, ...]
    alpha: float

    @property
    def drifted(self) -> bool:
        """Whether any test found material, significant drift."""
        return any(v.status is VerdictStatus.DRIFT for v in self.verdicts)

    def __getitem__(self, method: EmbeddingMethod | str) -> EmbeddingVerdict:
        for verdict in self.verdicts:
            if verdict.method == method:
                return verdict
        raise KeyError(method)


class EmbeddingDrift:
    """Compares windows of embedding vectors with a reference fitted once.

    Args:
        reference: Reference vectors, shape ``(n, dimensions)``.
        methods: Tests to run on every window.
        alpha: False discovery rate across the tests.
        thresholds: Effect-size thresholds per method (defaults: squared MMD 0.0, AUC 0.55).
        permutations: Permutations of the MMD test; bounds its cost and its smallest p-value.
        max_samples: Rows kept per side; larger windows are subsampled without replacement.
        components: Principal components (of both windows) the classifier sees.
        l2: L2 penalty of the classifier; strong, because windows are small and wide.
        seed: Seeds subsampling, permutations and folds, so a verdict is reproducible.

    Examples:
        >>> rng = np.random.default_rng(1)
        >>> detector = EmbeddingDrift(rng.normal(size=(200, 8)), seed=0)
        >>> detector.compare(rng.normal(size=(200, 8))).drifted
        False
        >>> detector.compare(rng.normal(loc=0.5, size=(200, 8))).drifted
        True
    """

    def __init__(
        self,
        reference: object,
        *,
        methods: Sequence[EmbeddingMethod | str] = (
            EmbeddingMethod.MMD,
            EmbeddingMethod.CLASSIFIER,
        ),
        alpha: float = 0.05,
        thresholds: dict[str, float] | None = None,
        permutations: int = 200,
        max_samples: int = 1000,
        components: int = 16,
        l2: float = 10.0,
        seed: int = 0,
    ) -> None:
        if not 0.0 < alpha < 1.0 or max_samples < MIN_VECTORS:
            raise InvalidInput(f"need 0 < alpha < 1 and max_samples >= {MIN_VECTORS}")
        if EmbeddingMethod.MMD in methods and 1.0 / (1 + permutations) > alpha:
            # The smallest permutation p-value is 1 / (1 + permutations): fewer could never alarm.
            raise InvalidInput(
                f"{permutations} permutations cannot reach alpha {alpha}; use at least "
                f"{math.ceil(1 / alpha) - 1}"
            )
        self.methods = tuple(EmbeddingMethod(m) for m in methods)
        self.alpha = alpha
        self.thresholds = {
            m: (thresholds or {}).get(m, EMBEDDING_THRESHOLDS[m]) for m in self.methods
        }
        self.permutations = permutations
        self.max_samples = max_samples
        self.components = components
        self.l2 = l2
        self.seed = seed
        ref = as_matrix(reference, "reference")
        self._rng = np.random.default_rng(seed)
        self._reference = self._subsample(ref)
        self._dimensions = ref.shape[1]
        self._bandwidth = median_bandwidth(self._reference)

    @property
    def bandwidth(self) -> float:
        """The RBF kernel's bandwidth, fixed from the reference."""
        return self._bandwidth

    def _subsample(self, vectors: FloatArray) -> FloatArray:
        if vectors.shape[0] <= self.max_samples:
            return vectors
        keep = self._rng.choice(vectors.shape[0], self.max_samples, replace=False)
        return vectors[np.sort(keep)]

    def compare(self, current: object) -> EmbeddingDriftReport:
        """Test a window of vectors against the reference.

        Raises:
            InvalidInput: The vectors are not a finite matrix of the reference's width.
        """
        cur = as_matrix(current, "current")
        if cur.shape[1] != self._dimensions:
            raise InvalidInput(
                f"current vectors have {cur.shape[1]} dimensions, the reference "
                f"{self._dimensions}; "
                "embed both with the same model"
            )
        # A fresh generator per call keeps each verdict reproducible whatever came before.
        rng = np.random.default_rng([self.seed, cur.shape[0]])
        cur = cur if cur.shape[0] <= self.max_samples else cur[
            np.sort(rng.choice(cur.shape[0], self.max_samples, replace=False))
        ]  # fmt: skip
        n_ref, n_cur = self._reference.shape[0], cur.shape[0]
        if min(n_ref, n_cur) < MIN_VECTORS:
            return EmbeddingDriftReport(
                tuple(self._too_few(m, n_ref, n_cur) for m in self.methods), self.alpha
            )
        results = [self._run(m, cur, rng) for m in self.methods]
        adjusted = benjamini_hochberg([r.p_value for r in results])
        verdicts = tuple(
            self._verdict(m, r, q, n_ref, n_cur)
            for m, r, q in zip(self.methods, results, adjusted, strict=True)
        )
        return EmbeddingDriftReport(verdicts, self.alpha)

    def _run(
        self, method: EmbeddingMethod, cur: FloatArray, rng: np.random.Generator
    ) -> StatResult:
        if method is EmbeddingMethod.MMD:
            return mmd_permutation_test(
                self._reference,
                cur,
                bandwidth=self._bandwidth,
                permutations=self.permutations,
                rng=rng,
            )
        # The basis comes from both windows: one fitted on the reference alone can miss a shift
        # into directions the reference barely varies in, such as a new topic. No labels are
        # used, so the cross-validated AUC stays honest.
        pooled = np.vstack((self._reference, cur))
        mean = pooled.mean(axis=0)
        _, _, vt = np.linalg.svd(pooled - mean, full_matrices=False)
        basis = vt[: self.components].T
        ref_p, cur_p = (self._reference - mean) @ basis, (cur - mean) @ basis
        scale = ref_p.std(axis=0)
        scale[scale == 0] = 1.0
        return classifier_test(ref_p / scale, cur_p / scale, l2=self.l2, rng=rng)

    def _verdict(
        self, method: EmbeddingMethod, result: StatResult, q: float, n_ref: int, n_cur: int
    ) -> EmbeddingVerdict:
        limit = self.thresholds[method]
        drift = q <= self.alpha and result.statistic >= limit
        label = "squared MMD" if method is EmbeddingMethod.MMD else "classifier AUC"
        message = (
            f"embeddings drifted: {label} {result.statistic:.3g} >= {limit:g}, adjusted p "
            f"{q:.2g} <= {self.alpha:g}; compare example inputs of both windows"
            if drift
            else f"embeddings stable: {label} {result.statistic:.3g}, adjusted p {q:.2g}"
        )
        status = VerdictStatus.DRIFT if drift else VerdictStatus.NO_DRIFT
        return EmbeddingVerdict(
            method, result.statistic, limit, result.p_value, q, n_ref, n_cur, status, message
        )

    def _too_few(self, method: EmbeddingMethod, n_ref: int, n_cur: int) -> EmbeddingVerdict:
        message = (
            f"too few vectors to judge ({n_ref} reference, {n_cur} current; need {MIN_VECTORS} "
            "each): widen the window or wait for more traffic"
        )
        return EmbeddingVerdict(
            method, math.nan, self.thresholds[method], math.nan, math.nan, n_ref, n_cur,
            VerdictStatus.INSUFFICIENT, message,
        )  # fmt: skip
