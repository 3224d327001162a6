"""Paired statistics for comparing two runs over the same cases, in pure numpy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "PairedComparison",
    "holm_adjust",
    "paired_bootstrap",
    "paired_compare",
    "sign_flip_test",
]

# Resample in blocks so memory stays at block x n indices however many resamples are asked.
_BLOCK = 256


def paired_bootstrap(
    deltas: Sequence[float], *, resamples: int = 2000, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Two-sided percentile bootstrap interval of the mean of paired differences.

    Cases are resampled with replacement, keeping each case's pair together.

    Examples:
        >>> lo, hi = paired_bootstrap([0.1, 0.2, 0.0, 0.15, 0.05] * 10, seed=1)
        >>> bool(lo > 0.0 and hi < 0.2)
        True
    """
    d = np.asarray(deltas, dtype=float)
    if d.size == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    for start in range(0, resamples, _BLOCK):
        size = min(_BLOCK, resamples - start)
        means[start : start + size] = d[rng.integers(0, d.size, (size, d.size))].mean(axis=1)
    tail = (1.0 - confidence) / 2
    lo, hi = np.quantile(means, [tail, 1.0 - tail])
    return float(lo), float(hi)


def sign_flip_test(deltas: Sequence[float], *, permutations: int = 2000, seed: int = 0) -> float:
    """Two-sided p-value of "the mean paired difference is zero", by random sign flips.

    Under the null each difference is as likely positive as negative, so flipping signs at
    random draws from the null distribution of the mean. The p-value counts the observed
    statistic itself, so it is never 0.

    Examples:
        >>> sign_flip_test([0.0] * 20)
        1.0
        >>> sign_flip_test([1.0] * 20, seed=3) < 0.01
        True
    """
    d = np.asarray(deltas, dtype=float)
    if d.size == 0 or not d.any():
        return 1.0
    rng = np.random.default_rng(seed)
    observed = abs(d.mean())
    extreme = 0
    for start in range(0, permutations, _BLOCK):
        size = min(_BLOCK, permutations - start)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(size, d.size))
        # A small tolerance so floating-point noise does not make ties look less extreme.
        extreme += int(np.sum(np.abs((signs * d).mean(axis=1)) >= observed - 1e-12))
    return (extreme + 1) / (permutations + 1)


@dataclass(frozen=True)
class PairedComparison:
    """Candidate minus baseline for one metric over the cases both runs scored.

    Args:
        metric: the metric's name.
        n: number of paired cases.
        baseline: the baseline's mean.
        candidate: the candidate's mean.
        delta: candidate minus baseline (positive = better, after orienting lower-is-better
            metrics).
        ci_low: lower bound of the confidence interval of ``delta``.
        ci_high: upper bound of it.
        p_value: two-sided sign-flip permutation p-value.
    """

    metric: str
    n: int
    baseline: float
    candidate: float
    delta: float
    ci_low: float
    ci_high: float
    p_value: float


def paired_compare(
    metric: str,
    baseline: Sequence[float],
    candidate: Sequence[float],
    *,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> PairedComparison:
    """Compare paired per-case scores: mean delta, bootstrap interval and permutation p-value.

    Examples:
        >>> c = paired_compare("exact", [1, 1, 1, 0] * 25, [1, 0, 1, 0] * 25)
        >>> c.delta, c.ci_high < 0
        (-0.25, True)
    """
    b, c = np.asarray(baseline, dtype=float), np.asarray(candidate, dtype=float)
    if b.shape != c.shape:
        raise ValueError("paired scores must have one baseline and one candidate value per case")
    d = c - b
    lo, hi = paired_bootstrap(d, resamples=resamples, confidence=confidence, seed=seed)
    return PairedComparison(
        metric=metric,
        n=int(d.size),
        baseline=float(b.mean()) if b.size else 0.0,
        candidate=float(c.mean()) if c.size else 0.0,
        delta=float(d.mean()) if d.size else 0.0,
        ci_low=lo,
        ci_high=hi,
        p_value=sign_flip_test(d, permutations=resamples, seed=seed),
    )


def holm_adjust(p_values: dict[str, float]) -> dict[str, float]:
    """Holm-Bonferroni adjusted p-values: control the family-wise error over several metrics.

    The smallest p-value is multiplied by the number of tests, the next by one less, and so on,
    each kept at least as large as the one before and at most 1.

    Examples:
        >>> holm_adjust({"a": 0.01, "b": 0.04, "c": 0.03})
        {'a': 0.03, 'c': 0.06, 'b': 0.06}
    """
    ordered = sorted(p_values.items(), key=lambda kv: kv[1])
    adjusted: dict[str, float] = {}
    running = 0.0
    for rank, (name, p) in enumerate(ordered):
        running = max(running, min(1.0, (len(ordered) - rank) * p))
        adjusted[name] = running
    return adjusted
