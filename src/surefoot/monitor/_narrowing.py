"""A detector for outputs narrowing window after window: entropy down, Gini up, coverage down.

Plug-in entropy and distinct counts fall with the sample size alone: a window of 200 outputs
shows fewer distinct items than a reference of 20,000 even when nothing changed. So each window
is compared with what a window *of its size* drawn from the reference would show: a seeded
parametric bootstrap draws ``simulations`` multinomial windows from the reference frequencies,
and the window's metrics are placed in that null distribution. A verdict needs the effect (the
gap to the null median) past its threshold *and* the BH-adjusted p-value at most ``alpha``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from surefoot.core import InvalidInput
from surefoot.monitor._concentration import Concentration, ItemCounts
from surefoot.monitor._drift import VerdictStatus
from surefoot.monitor._stats import benjamini_hochberg

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class NarrowingVerdict:
    """One window against the reference.

    Attributes:
        window: The window's entropy, Gini and coverage.
        entropy_drop: Null median entropy minus the window's (positive: narrower).
        gini_rise: The window's Gini minus the null median (positive: more concentrated).
        coverage_ratio: Distinct items seen over the null median (below 1: fewer).
        p_values: BH-adjusted p-values of ``entropy``, ``gini`` and ``coverage``.
        breached: Metrics past their threshold with a small enough p-value.
        status: Drift, no drift, or too few outputs.
        message: A sentence a person can act on.
    """

    window: Concentration
    entropy_drop: float
    gini_rise: float
    coverage_ratio: float
    p_values: dict[str, float]
    breached: tuple[str, ...]
    status: VerdictStatus
    message: str


_CELLS = 1 << 18
"""Cells per block of bootstrap windows: bounds memory (about 2 MB an array) for any catalogue."""


def _metrics(counts: FloatArray, support: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Normalised entropy, Gini and distinct count of each row of a window-by-item matrix.

    Items past the matrix's columns, up to ``support``, are zeros that are not materialised: they
    add nothing to entropy or distinct counts, and in the Gini sum they only shift the ranks of
    the sorted counts, so a large catalogue costs only the items the reference can produce.
    """
    padding = support - counts.shape[1]
    totals = counts.sum(axis=1, keepdims=True)
    p = counts / totals
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    entropy = -plogp.sum(axis=1) / math.log(support)
    ordered = np.sort(counts, axis=1)
    ranks = np.arange(padding + 1, support + 1, dtype=np.float64)
    gini = 2.0 * (ordered @ ranks) / (support * totals[:, 0]) - (support + 1.0) / support
    return entropy, gini, np.count_nonzero(counts, axis=1).astype(np.float64)


def _null(
    rng: np.random.Generator, n: int, reference: FloatArray, simulations: int, support: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Metrics of ``simulations`` windows of ``n`` outputs drawn from the reference, in blocks."""
    probabilities = reference / reference.sum()
    rows = max(1, _CELLS // reference.size)
    blocks = [
        _metrics(
            rng.multinomial(n, probabilities, min(rows, simulations - done)).astype(np.float64),
            support,
        )
        for done in range(0, simulations, rows)
    ]
    h, g, d = (np.concatenate([b[i] for b in blocks]) for i in range(3))
    return h, g, d


class NarrowingDetector:
    """Raises an alarm when a window's outputs are more concentrated than the reference's.

    Args:
        reference: Outputs of a reference period.
        catalogue_size: Items that could be output; ``None`` uses the reference's distinct items.
        entropy_drop: Drop of normalised entropy (vs a same-size reference window) that matters.
        gini_rise: Rise of the Gini coefficient that matters.
        coverage_ratio: Distinct items over the expected number, at or below which it matters.
        alpha: False discovery rate across the three metrics.
        simulations: Bootstrap windows per check; bounds the cost and the smallest p-value.
        min_outputs: Outputs a window needs to be judged.
        seed: Seeds the bootstrap.

    Examples:
        >>> ref = ItemCounts().update([f"item{i % 50}" for i in range(5000)])
        >>> det = NarrowingDetector(ref)
        >>> det.update(ItemCounts().update([f"item{i % 50}" for i in range(300)])).drift_detected
        False
        >>> det.update(ItemCounts().update([f"item{i % 5}" for i in range(300)])).drift_detected
        True
    """

    def __init__(
        self,
        reference: ItemCounts,
        *,
        catalogue_size: int | None = None,
        entropy_drop: float = 0.05,
        gini_rise: float = 0.05,
        coverage_ratio: float = 0.8,
        alpha: float = 0.01,
        simulations: int = 200,
        min_outputs: int = 30,
        seed: int = 0,
    ) -> None:
        if reference.n == 0:
            raise InvalidInput("the reference has no outputs; count a reference period first")
        if not 0.0 < alpha < 1.0 or 1.0 / (1 + simulations) > alpha:
            # The smallest bootstrap p-value is 1 / (1 + simulations): fewer could never alarm.
            raise InvalidInput(
                f"need 0 < alpha < 1 and at least {math.ceil(1 / alpha) - 1} simulations for "
                f"alpha {alpha}; raise simulations"
            )
        self.reference = reference
        self.catalogue_size = catalogue_size
        self.entropy_drop = entropy_drop
        self.gini_rise = gini_rise
        self.coverage_ratio = coverage_ratio
        self.alpha = alpha
        self.simulations = simulations
        self.min_outputs = min_outputs
        self.seed = seed
        self._index = {item: i for i, item in enumerate(sorted(reference.items()))}
        self._reset()

    def _reset(self) -> None:
        self._windows = 0
        self._verdict: NarrowingVerdict | None = None

    @property
    def drift_detected(self) -> bool:
        """Whether the last window was significantly and materially narrower."""
        return self._verdict is not None and self._verdict.status is VerdictStatus.DRIFT

    @property
    def verdict(self) -> NarrowingVerdict | None:
        """The last window's verdict."""
        return self._verdict

    def update(self, window: ItemCounts) -> NarrowingDetector:
        """Judge one window's outputs; returns ``self``."""
        self._windows += 1
        index = dict(self._index)
        for item in sorted(window.items()):
            index.setdefault(item, len(index))
        support = max(self.catalogue_size or 0, len(index), 2)
        current = np.zeros(support)
        for item, count in window.items().items():
            current[index[item]] = count
        summary = Concentration(
            n=window.n, distinct=int(np.count_nonzero(current)),
            entropy=float("nan"), gini=float("nan"), coverage=float("nan"), support=support,
        )  # fmt: skip
        if window.n < self.min_outputs:
            self._verdict = self._insufficient(summary)
            return self
        self._verdict = self._judge(current, support)
        return self

    def _judge(self, current: FloatArray, support: int) -> NarrowingVerdict:
        # Reference items come first in the index: draws only span them, the rest are zeros.
        reference = np.zeros(len(self._index))
        for item, count in self.reference.items().items():
            reference[self._index[item]] = count
        rng = np.random.default_rng([self.seed, self._windows])
        null_h, null_g, null_d = _null(
            rng, int(current.sum()), reference, self.simulations, support
        )
        (h,), (g,), (d,) = _metrics(current[None, :], support)
        effects = {
            "entropy": float(np.median(null_h) - h),
            "gini": float(g - np.median(null_g)),
            "coverage": float(d / max(np.median(null_d), 1.0)),
        }
        raw = [
            (1 + int(np.sum(null_h <= h))) / (1 + self.simulations),
            (1 + int(np.sum(null_g >= g))) / (1 + self.simulations),
            (1 + int(np.sum(null_d <= d))) / (1 + self.simulations),
        ]
        p_values = dict(zip(effects, benjamini_hochberg(raw), strict=True))
        material = {
            "entropy": effects["entropy"] >= self.entropy_drop,
            "gini": effects["gini"] >= self.gini_rise,
            "coverage": effects["coverage"] <= self.coverage_ratio,
        }
        breached = tuple(k for k in effects if material[k] and p_values[k] <= self.alpha)
        window = Concentration(
            int(current.sum()), int(d), float(h), float(g), float(d) / support, support
        )
        message = (
            f"outputs narrowed ({', '.join(breached)}): entropy {h:.3f} (drop "
            f"{effects['entropy']:.3f}), Gini {g:.3f}, {int(d)} distinct items; check for a "
            "feedback loop in ranking or routing"
            if breached
            else f"output concentration stable: entropy {h:.3f}, Gini {g:.3f}, {int(d)} distinct"
        )
        status = VerdictStatus.DRIFT if breached else VerdictStatus.NO_DRIFT
        return NarrowingVerdict(
            window, effects["entropy"], effects["gini"], effects["coverage"], p_values,
            breached, status, message,
        )  # fmt: skip

    def _insufficient(self, summary: Concentration) -> NarrowingVerdict:
        message = (
            f"too few outputs to judge concentration ({summary.n}; need {self.min_outputs}): "
            "widen the window"
        )
        nan = float("nan")
        return NarrowingVerdict(summary, nan, nan, nan, {}, (), VerdictStatus.INSUFFICIENT, message)
