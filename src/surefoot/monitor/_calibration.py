"""Probability calibration on labelled reference data: isotonic (PAVA), Platt, or none.

Performance estimation treats a calibrated score as the probability that the label is positive,
so the quality of the estimate is the quality of the calibration. The method is chosen on the
reference by cross-validated Brier score, so a model that is already calibrated stays untouched
and a badly calibrated one gets the mapping that generalises best.

Isotonic regression is written here (pool-adjacent-violators, a short loop over sorted unique
scores) rather than taken from scikit-learn: scikit-learn is a large compiled dependency that
surefoot only uses in its tests, and the monitor must stay installable with numpy and scipy alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np
import numpy.typing as npt

from surefoot.core import InvalidInput

FloatArray = npt.NDArray[np.float64]
_EPS = 1e-6


class CalibrationMethod(StrEnum):
    """How scores are mapped to probabilities."""

    AUTO = "auto"  # the best of the others by cross-validated Brier score on the reference
    NONE = "none"
    ISOTONIC = "isotonic"
    PLATT = "platt"


class Calibrator(Protocol):
    """Maps raw scores to calibrated probabilities."""

    @property
    def method(self) -> CalibrationMethod:
        """The calibration method."""
        ...

    def predict(self, scores: npt.ArrayLike) -> FloatArray:
        """Calibrated probabilities for ``scores``."""
        ...


@dataclass(frozen=True)
class Identity:
    """Scores are already probabilities; clip them to [0, 1]."""

    method: CalibrationMethod = CalibrationMethod.NONE

    def predict(self, scores: npt.ArrayLike) -> FloatArray:
        """The scores, clipped to [0, 1]."""
        return np.clip(np.asarray(scores, dtype=np.float64), 0.0, 1.0)


@dataclass(frozen=True)
class Isotonic:
    """A monotone step function fitted by pool-adjacent-violators, interpolated between steps.

    Examples:
        >>> cal = Isotonic.fit([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1])
        >>> cal.predict([0.1, 0.25, 0.4]).round(2).tolist()
        [0.0, 0.5, 1.0]
    """

    x: FloatArray
    y: FloatArray
    method: CalibrationMethod = CalibrationMethod.ISOTONIC

    @classmethod
    def fit(cls, scores: npt.ArrayLike, labels: npt.ArrayLike) -> Isotonic:
        """Fit on scores and 0/1 labels."""
        s, t = _pair(scores, labels)
        # Rows sharing a score are one point with a weight: PAVA then loops over unique scores.
        x, inverse, weight = np.unique(s, return_inverse=True, return_counts=True)
        mean = np.bincount(inverse, weights=t) / weight
        return cls(x, _pava(mean, weight.astype(np.float64)))

    def predict(self, scores: npt.ArrayLike) -> FloatArray:
        """Calibrated probabilities (clamped to the fitted range outside it)."""
        return np.interp(np.asarray(scores, dtype=np.float64), self.x, self.y)


@dataclass(frozen=True)
class Platt:
    """A logistic curve on the score's log-odds, ``sigmoid(a * logit(s) + b)``.

    Examples:
        >>> cal = Platt.fit([0.2, 0.4, 0.6, 0.8] * 25, [0, 0, 1, 1] * 25)
        >>> bool(cal.predict([0.8])[0] > 0.8)
        True
    """

    a: float
    b: float
    method: CalibrationMethod = CalibrationMethod.PLATT

    @classmethod
    def fit(cls, scores: npt.ArrayLike, labels: npt.ArrayLike) -> Platt:
        """Fit ``a`` and ``b`` by maximum likelihood."""
        s, t = _pair(scores, labels)
        a, b = _newton_logistic(_logit(s), t)
        return cls(a, b)

    def predict(self, scores: npt.ArrayLike) -> FloatArray:
        """Calibrated probabilities."""
        return _sigmoid(self.a * _logit(np.asarray(scores, dtype=np.float64)) + self.b)


def fit_calibrator(
    scores: npt.ArrayLike,
    labels: npt.ArrayLike,
    method: CalibrationMethod | str = CalibrationMethod.AUTO,
    *,
    folds: int = 5,
    seed: int = 0,
) -> Calibrator:
    """Fit a calibrator on labelled reference scores.

    Args:
        scores: Predicted scores (probabilities of the positive class).
        labels: True 0/1 labels.
        method: A method, or ``auto`` to pick by ``folds``-fold cross-validated Brier score.
        folds: Folds for the automatic choice.
        seed: Seed of the fold shuffle.

    Raises:
        InvalidInput: Lengths differ, labels are not 0/1, or one class is missing.
    """
    chosen = CalibrationMethod(method)
    s, t = _pair(scores, labels)
    if chosen is CalibrationMethod.AUTO:
        chosen = _choose(s, t, folds, seed)
    if chosen is CalibrationMethod.ISOTONIC:
        return Isotonic.fit(s, t)
    if chosen is CalibrationMethod.PLATT:
        return Platt.fit(s, t)
    return Identity()


def _choose(s: FloatArray, t: FloatArray, folds: int, seed: int) -> CalibrationMethod:
    fold_of = np.random.default_rng(seed).permutation(len(s)) % max(2, folds)
    brier = dict.fromkeys(
        (CalibrationMethod.NONE, CalibrationMethod.ISOTONIC, CalibrationMethod.PLATT), 0.0
    )
    for k in range(max(2, folds)):
        train, test = fold_of != k, fold_of == k
        if len(np.unique(t[train])) < 2 or not test.any():
            continue
        for m in brier:
            p = fit_calibrator(s[train], t[train], m).predict(s[test])
            brier[m] += float(np.sum((p - t[test]) ** 2))
    return min(brier, key=lambda m: brier[m])


def _newton_logistic(z: FloatArray, t: FloatArray) -> tuple[float, float]:
    # Two parameters: Newton on the 2x2 Hessian converges in a few steps and, unlike L-BFGS,
    # makes no BLAS calls that a busy machine's threads could stall.
    w = np.array([1.0, 0.0])
    x = np.column_stack([z, np.ones_like(z)])
    loss = _log_loss(x, t, w)
    for _ in range(50):
        q = _sigmoid(x @ w)
        grad = x.T @ (q - t)
        hess = (x * (q * (1 - q))[:, None]).T @ x + 1e-9 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        for _ in range(30):  # backtrack when a full step overshoots (separable data)
            trial = _log_loss(x, t, w - step)
            if trial <= loss:
                break
            step = step / 2
        w, loss = w - step, min(loss, trial)
        if float(np.abs(step).max()) < 1e-9:
            break
    return float(w[0]), float(w[1])


def _log_loss(x: FloatArray, t: FloatArray, w: FloatArray) -> float:
    z = x @ w
    return float(np.sum(np.logaddexp(0.0, z) - t * z))


def _pava(y: FloatArray, w: FloatArray) -> FloatArray:
    # Blocks of pooled values; a new point that breaks monotonicity merges backwards.
    values: list[float] = []
    weights: list[float] = []
    sizes: list[int] = []
    for yi, wi in zip(y.tolist(), w.tolist(), strict=True):
        values.append(yi)
        weights.append(wi)
        sizes.append(1)
        while len(values) > 1 and values[-2] > values[-1]:
            v, wt, n = values.pop(), weights.pop(), sizes.pop()
            total = weights[-1] + wt
            values[-1] = (values[-1] * weights[-1] + v * wt) / total
            weights[-1], sizes[-1] = total, sizes[-1] + n
    return np.repeat(np.array(values), sizes)


def _pair(scores: npt.ArrayLike, labels: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    s = np.asarray(scores, dtype=np.float64)
    t = np.asarray(labels, dtype=np.float64)
    if s.shape != t.shape or s.ndim != 1:
        raise InvalidInput("scores and labels must be 1-d and of equal length; align them by row")
    if not np.isin(t, (0.0, 1.0)).all():
        raise InvalidInput("labels must be 0 or 1; map the positive class to 1 first")
    if len(np.unique(t)) < 2:
        raise InvalidInput("calibration needs both classes in the reference; widen the reference")
    return s, t


def _logit(s: FloatArray) -> FloatArray:
    c = np.clip(s, _EPS, 1 - _EPS)
    return np.asarray(np.log(c / (1 - c)), dtype=np.float64)


def _sigmoid(z: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)
