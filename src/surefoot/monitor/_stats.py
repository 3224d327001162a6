"""Drift statistics on binned counts: each costs O(bins), never O(rows).

Every function takes the reference and current counts on the same bins. Distances return a float;
tests return a :class:`StatResult` with the statistic and its p-value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy import stats as _scipy_stats  # type: ignore[import-untyped]

from surefoot.core import InvalidInput

Counts = Sequence[int] | npt.NDArray[np.int64]


class StatResult(NamedTuple):
    """A test statistic with its p-value."""

    statistic: float
    p_value: float


def _pair(reference: Counts, current: Counts) -> tuple[npt.NDArray[np.float64], ...]:
    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    if ref.shape != cur.shape or ref.ndim != 1:
        raise InvalidInput("reference and current counts must be on the same bins")
    if ref.sum() <= 0 or cur.sum() <= 0:
        raise InvalidInput("both windows need at least one value; wait for more data")
    return ref, cur


def psi(reference: Counts, current: Counts, *, epsilon: float = 1e-4) -> float:
    """Population stability index, with empty bins floored at ``epsilon`` to stay finite.

    Examples:
        >>> round(psi([50, 50], [50, 50]), 6)
        0.0
        >>> round(psi([50, 50], [90, 10]), 3)
        0.879
    """
    ref, cur = _pair(reference, current)
    p = np.maximum(ref / ref.sum(), epsilon)
    q = np.maximum(cur / cur.sum(), epsilon)
    return float(np.sum((q - p) * np.log(q / p)))


def jensen_shannon(reference: Counts, current: Counts) -> float:
    """Jensen–Shannon distance in base 2 (0 identical, 1 disjoint), as scipy's ``jensenshannon``.

    Examples:
        >>> jensen_shannon([1, 0], [0, 1])
        1.0
    """
    ref, cur = _pair(reference, current)
    p, q = ref / ref.sum(), cur / cur.sum()
    m = (p + q) / 2.0

    def kl(a: npt.NDArray[np.float64]) -> float:
        mask = a > 0
        return float(np.sum(a[mask] * np.log2(a[mask] / m[mask])))

    return math.sqrt(max((kl(p) + kl(q)) / 2.0, 0.0))


def hellinger(reference: Counts, current: Counts) -> float:
    """Hellinger distance (0 identical, 1 disjoint).

    Examples:
        >>> hellinger([1, 0], [0, 1])
        1.0
    """
    ref, cur = _pair(reference, current)
    p, q = ref / ref.sum(), cur / cur.sum()
    return float(math.sqrt(max(1.0 - np.sum(np.sqrt(p * q)), 0.0)))


def wasserstein(reference: Counts, current: Counts, centers: Sequence[float]) -> float:
    """First Wasserstein distance between binned distributions placed at the bin ``centers``.

    Exact when each bin holds one value (discrete data); otherwise each value is moved to its
    bin's reference mean, an error bounded by the bin width.

    Examples:
        >>> wasserstein([1, 1, 0], [0, 1, 1], [0.0, 1.0, 2.0])
        1.0
    """
    ref, cur = _pair(reference, current)
    positions = np.asarray(centers, dtype=np.float64)
    if positions.shape != ref.shape:
        raise InvalidInput("give one center per bin")
    gap = np.cumsum(ref / ref.sum())[:-1] - np.cumsum(cur / cur.sum())[:-1]
    return float(np.sum(np.abs(gap) * np.diff(positions)))


def kolmogorov_smirnov(reference: Counts, current: Counts) -> StatResult:
    """Two-sample KS statistic on binned CDFs with scipy's asymptotic p-value.

    The statistic is the largest CDF gap at bin edges: exact on discrete data, a lower bound
    otherwise (a gap inside a bin is not seen), which errs towards "no drift".

    Examples:
        >>> kolmogorov_smirnov([10, 0], [0, 10]).statistic
        1.0
    """
    ref, cur = _pair(reference, current)
    n, m = ref.sum(), cur.sum()
    d = float(np.max(np.abs(np.cumsum(ref) / n - np.cumsum(cur) / m)))
    effective = round(n * m / (n + m))
    return StatResult(d, float(np.clip(_scipy_stats.kstwo.sf(d, effective), 0.0, 1.0)))


def chi_square(reference: Counts, current: Counts) -> StatResult:
    """Chi-square test of homogeneity on the 2 x bins table (bins empty in both are dropped).

    Examples:
        >>> chi_square([50, 50], [50, 50]).p_value
        1.0
    """
    ref, cur = _pair(reference, current)
    keep = (ref + cur) > 0
    table = np.vstack((ref[keep], cur[keep]))
    if table.shape[1] < 2:
        return StatResult(0.0, 1.0)
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0) / table.sum()
    statistic = float(np.sum((table - expected) ** 2 / expected))
    dof = table.shape[1] - 1
    return StatResult(statistic, float(_scipy_stats.chi2.sf(statistic, dof)))


def cramers_v(reference: Counts, current: Counts) -> float:
    """Cramér's V of the 2 x bins table: the effect size that goes with :func:`chi_square`.

    Examples:
        >>> cramers_v([10, 0], [0, 10])
        1.0
    """
    ref, cur = _pair(reference, current)
    return math.sqrt(chi_square(reference, current).statistic / float(ref.sum() + cur.sum()))


def two_proportion_z(successes_ref: int, n_ref: int, successes_cur: int, n_cur: int) -> StatResult:
    """Pooled two-proportion z-test, two-sided.

    Examples:
        >>> round(two_proportion_z(10, 100, 30, 100).statistic, 3)
        3.536
    """
    if n_ref <= 0 or n_cur <= 0:
        raise InvalidInput("both windows need at least one value; wait for more data")
    pooled = (successes_ref + successes_cur) / (n_ref + n_cur)
    variance = pooled * (1.0 - pooled) * (1.0 / n_ref + 1.0 / n_cur)
    if variance == 0.0:
        return StatResult(0.0, 1.0)
    z = (successes_cur / n_cur - successes_ref / n_ref) / math.sqrt(variance)
    return StatResult(z, float(2.0 * _scipy_stats.norm.sf(abs(z))))


def cohens_h(p_ref: float, p_cur: float) -> float:
    """Cohen's h, the effect size of a difference between two proportions.

    Examples:
        >>> round(cohens_h(0.5, 0.5), 3)
        0.0
    """
    return abs(2.0 * math.asin(math.sqrt(p_cur)) - 2.0 * math.asin(math.sqrt(p_ref)))


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (false discovery rate), in the input order.

    Examples:
        >>> [round(p, 3) for p in benjamini_hochberg([0.01, 0.04, 0.03, 0.5])]
        [0.04, 0.053, 0.053, 0.5]
    """
    p = np.asarray(p_values, dtype=np.float64)
    if p.size == 0:
        return []
    order = np.argsort(p)
    ranked = p[order] * p.size / np.arange(1, p.size + 1)
    # Enforce monotonicity from the largest p-value down, as the step-up procedure requires.
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(adjusted)
    out[order] = np.clip(adjusted, 0.0, 1.0)
    return [float(v) for v in out]
