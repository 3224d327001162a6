"""Two-sample tests on embedding vectors: kernel MMD with a permutation test, and a classifier.

Both work on matrices of shape ``(n, d)``. They are the building blocks of
:class:`~surefoot.monitor.EmbeddingDrift`, which fixes the reference once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import optimize  # type: ignore[import-untyped]
from scipy import stats as _scipy_stats

from surefoot.core import InvalidInput
from surefoot.monitor._stats import StatResult

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# Permutations are evaluated in blocks so that memory stays at block x (n + m) floats.
PERMUTATION_BLOCK = 64


def as_matrix(vectors: object, name: str) -> FloatArray:
    """A finite 2-D float matrix, or :class:`InvalidInput` saying what is wrong."""
    array = np.asarray(vectors, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise InvalidInput(
            f"{name} must be a non-empty 2-D array of shape (n, dimensions), got {array.shape}; "
            "stack one embedding vector per row"
        )
    if not np.isfinite(array).all():
        raise InvalidInput(f"{name} holds NaN or infinite values; drop or re-embed those rows")
    return array


def squared_distances(x: FloatArray, y: FloatArray) -> FloatArray:
    """Pairwise squared Euclidean distances between the rows of ``x`` and ``y``."""
    sq = np.sum(x * x, axis=1)[:, None] + np.sum(y * y, axis=1)[None, :] - 2.0 * (x @ y.T)
    # Rounding can make a zero distance slightly negative.
    clipped: FloatArray = np.maximum(sq, 0.0)
    return clipped


def median_bandwidth(x: FloatArray) -> float:
    """The median heuristic: the median pairwise squared distance among the rows of ``x``.

    The RBF kernel is then ``exp(-||a - b||^2 / bandwidth)``.

    Examples:
        >>> median_bandwidth(np.array([[0.0], [1.0], [3.0]]))
        4.0
    """
    sq = squared_distances(x, x)
    upper = sq[np.triu_indices(x.shape[0], k=1)]
    positive = upper[upper > 0]
    return float(np.median(positive)) if positive.size else 1.0


def mmd_permutation_test(
    x: FloatArray,
    y: FloatArray,
    *,
    bandwidth: float,
    permutations: int = 200,
    rng: np.random.Generator,
) -> StatResult:
    """Unbiased squared MMD between ``x`` and ``y`` (RBF kernel) with a permutation p-value.

    The kernel matrix of the pooled sample is computed once; each permutation's statistic is then
    two quadratic forms of a label vector with it, evaluated for a block of permutations by one
    matrix product. The p-value is ``(1 + #{permuted >= observed}) / (1 + permutations)``.

    Examples:
        >>> rng = np.random.default_rng(0)
        >>> a, b = rng.normal(size=(60, 3)), rng.normal(loc=1.0, size=(60, 3))
        >>> mmd_permutation_test(a, b, bandwidth=6.0, rng=rng).p_value < 0.01
        True
    """
    n, m = x.shape[0], y.shape[0]
    if n < 2 or m < 2:
        raise InvalidInput("MMD needs at least two vectors on each side; wait for more data")
    pooled = np.vstack((x, y))
    kernel = np.exp(-squared_distances(pooled, pooled) / bandwidth)
    np.fill_diagonal(kernel, 0.0)  # the unbiased estimate leaves out the i == j terms
    row_sums, total = kernel.sum(axis=1), float(kernel.sum())
    labels = np.zeros((1, n + m))
    labels[0, :n] = 1.0
    observed = float(_unbiased(labels, kernel, row_sums, total, n, m)[0])
    exceed, done = 0, 0
    while done < permutations:
        size = min(PERMUTATION_BLOCK, permutations - done)
        keys = rng.random((size, n + m))
        # The n smallest keys of each row pick a random reference half: a uniform permutation.
        chosen = np.argpartition(keys, n - 1, axis=1)[:, :n]
        block = np.zeros((size, n + m))
        np.put_along_axis(block, chosen, 1.0, axis=1)
        exceed += int(np.sum(_unbiased(block, kernel, row_sums, total, n, m) >= observed))
        done += size
    return StatResult(observed, (1.0 + exceed) / (1.0 + permutations))


def _unbiased(
    labels: FloatArray, kernel: FloatArray, row_sums: FloatArray, total: float, n: int, m: int
) -> FloatArray:
    projected = labels @ kernel
    xx = np.sum(projected * labels, axis=1)
    xy = labels @ row_sums - xx
    yy = total - xx - 2.0 * xy
    result: FloatArray = xx / (n * (n - 1)) + yy / (m * (m - 1)) - 2.0 * xy / (n * m)
    return result


def fit_logistic(features: FloatArray, target: FloatArray, l2: float = 1.0) -> FloatArray:
    """L2-regularised logistic regression by L-BFGS; returns the weights, intercept last.

    Examples:
        >>> x = np.array([[-2.0], [-1.0], [1.0], [2.0]])
        >>> w = fit_logistic(x, np.array([0.0, 0.0, 1.0, 1.0]))
        >>> bool(w[0] > 0)
        True
    """
    design = np.hstack((features, np.ones((features.shape[0], 1))))
    penalty = np.ones(design.shape[1])
    penalty[-1] = 0.0  # the intercept is not shrunk

    def loss(w: FloatArray) -> tuple[float, FloatArray]:
        z = design @ w
        # log(1 + e^z) - y z, written with logaddexp so large |z| stays finite.
        value = float(np.sum(np.logaddexp(0.0, z) - target * z)) + 0.5 * l2 * float(
            np.sum(penalty * w * w)
        )
        grad = design.T @ (_sigmoid(z) - target) + l2 * penalty * w
        return value, grad

    start = np.zeros(design.shape[1])
    result = optimize.minimize(loss, start, jac=True, method="L-BFGS-B")
    weights: FloatArray = np.asarray(result.x, dtype=np.float64)
    return weights


def _sigmoid(z: FloatArray) -> FloatArray:
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * z))
    return out


def classifier_test(
    x: FloatArray, y: FloatArray, *, folds: int = 5, l2: float = 1.0, rng: np.random.Generator
) -> StatResult:
    """Cross-validated AUC of a logistic regression telling ``y`` rows from ``x`` rows.

    Each row is scored by a model that did not see it (stratified ``folds``-fold), so the AUC is
    an honest out-of-sample figure: 0.5 means the windows cannot be told apart. Fold AUCs are
    correlated (their training sets overlap), which makes a test on them too eager; the p-value
    therefore comes from one separate half/half split, where a one-sided Mann–Whitney test on
    the held-out half is exact under no change (Lopez-Paz and Oquab's classifier two-sample test).

    Examples:
        >>> rng = np.random.default_rng(0)
        >>> a, b = rng.normal(size=(80, 2)), rng.normal(loc=2.0, size=(80, 2))
        >>> classifier_test(a, b, rng=rng).statistic > 0.9
        True
    """
    n, m = x.shape[0], y.shape[0]
    if min(n, m) < folds:
        raise InvalidInput(f"the classifier needs at least {folds} vectors on each side")
    features = np.vstack((x, y))
    target = np.concatenate((np.zeros(n), np.ones(m)))
    u_sum = pairs = 0.0
    fold = _stratified_folds(n, m, folds, rng)
    for k in range(folds):
        # Within one fold all scores come from one model, so ranks compare like with like.
        u, nk, mk = _held_out_u(features, target, fold == k, l2)
        u_sum, pairs = u_sum + u, pairs + nk * mk
    u, nk, mk = _held_out_u(features, target, _stratified_folds(n, m, 2, rng) == 0, l2)
    z = (u - nk * mk / 2.0) / np.sqrt(nk * mk * (nk + mk + 1) / 12.0)
    return StatResult(u_sum / pairs, float(_scipy_stats.norm.sf(z)))


def _stratified_folds(n: int, m: int, folds: int, rng: np.random.Generator) -> IntArray:
    # Each side is dealt round-robin in a shuffled order, so every fold holds both sides.
    return np.concatenate(
        (rng.permutation(np.arange(n) % folds), rng.permutation(np.arange(m) % folds))
    )


def _held_out_u(
    features: FloatArray, target: FloatArray, test: npt.NDArray[np.bool_], l2: float
) -> tuple[float, int, int]:
    weights = fit_logistic(features[~test], target[~test], l2)
    scores = features[test] @ weights[:-1]
    is_cur = target[test] == 1.0
    ranks = _scipy_stats.rankdata(scores)
    nk, mk = int(np.sum(~is_cur)), int(np.sum(is_cur))
    return float(ranks[is_cur].sum()) - mk * (mk + 1) / 2.0, nk, mk
