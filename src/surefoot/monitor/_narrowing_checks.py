"""The ``narrowing`` monitor method: concentration of a categorical signal, judged per window.

A window's item counts are placed against same-size windows drawn from the reference (see
:class:`NarrowingDetector`). The check reports one effect, every one oriented so that larger is
narrower: the entropy drop, the Gini rise, or the coverage loss (``1 - coverage ratio``),
whichever is material with the smallest p-value; its message names all three. The p-value joins
the other drift monitors of the window in the scheduler's Benjamini-Hochberg adjustment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from surefoot.core import CheckStatus, InvalidInput
from surefoot.monitor._drift import VerdictStatus
from surefoot.monitor._narrowing import NarrowingDetector, NarrowingVerdict

if TYPE_CHECKING:
    from surefoot.monitor._concentration import ItemCounts

NARROWING = "narrowing"
DEFAULT_SHIFT = 0.05
"""Entropy drop and Gini rise that matter, unless the monitor sets ``threshold``."""
COVERAGE_LOSS = 0.2
"""Share of the expected distinct items lost that matters (a coverage ratio of 0.8)."""
MIN_OUTPUTS = 30
CATEGORICAL_TRACE_SIGNALS = frozenset({"output.language", "model.served", "decision.status"})
"""Signals of spans that are categories; every other trace signal is a number or a rate."""


def check_narrowing_signal(name: str, signal: str, source: str, traces: str) -> None:
    """Refuse narrowing on a trace signal that is a number or a rate.

    Raises:
        InvalidInput: Naming the monitor, the field and the categorical signals to use instead.
    """
    if source == traces and signal not in CATEGORICAL_TRACE_SIGNALS:
        raise InvalidInput(
            f"monitor {name!r}: method 'narrowing' needs a categorical signal, and "
            f"{signal!r} is numeric; watch one of {sorted(CATEGORICAL_TRACE_SIGNALS)} or a "
            "categorical field logged with log_batch, or use a drift method"
        )


@dataclass(frozen=True)
class NarrowingResult:
    """A judged (or not judgeable) window, ready to become a check.

    Attributes:
        status: ``BREACH`` once ``p_value`` (adjusted by the caller) is at most alpha.
        value: The reported effect (larger is narrower), None when not judged.
        threshold: The effect's threshold.
        p_value: The effect's p-value before any adjustment across monitors.
        message: Entropy, Gini and distinct items, or why the window was not judged.
        material: Whether some effect reached its threshold.
    """

    status: CheckStatus
    value: float | None
    threshold: float
    p_value: float | None
    message: str
    material: bool

    def settle(self, adjusted_p: float | None, alpha: float) -> NarrowingResult:
        """The result once the p-value has been adjusted across monitors."""
        if self.status is CheckStatus.INSUFFICIENT or adjusted_p is None:
            return self
        breach = self.material and adjusted_p <= alpha
        status = CheckStatus.BREACH if breach else CheckStatus.OK
        return NarrowingResult(status, self.value, self.threshold, adjusted_p, self.message,
                               self.material)  # fmt: skip


def _insufficient(threshold: float, message: str) -> NarrowingResult:
    return NarrowingResult(CheckStatus.INSUFFICIENT, None, threshold, None, message, False)


def judge_narrowing(
    signal: str,
    reference: ItemCounts | None,
    current: ItemCounts | None,
    *,
    threshold: float | None,
    catalogue_size: int | None,
    alpha: float,
    seed: int,
    overflow: int = 0,
) -> NarrowingResult:
    """Judge a window's item counts against the reference's (p-value not yet adjusted).

    Args:
        signal: The watched categorical signal, named in messages.
        reference: Item counts of the reference windows.
        current: Item counts of the evaluated window.
        threshold: Entropy drop and Gini rise that matter (0.05 when None).
        catalogue_size: Items that could be output; the reference's distinct items when None.
        alpha: Significance level; the bootstrap runs enough simulations to reach it.
        seed: Seeds the bootstrap, so a re-evaluated window gets the same verdict.
        overflow: Occurrences past the stored per-window item cap, mentioned in the message.
    """
    shift = DEFAULT_SHIFT if threshold is None else threshold
    if reference is None or reference.n == 0 or current is None:
        return _insufficient(shift, f"no {signal!r} items in the reference or window yet")
    if catalogue_size is not None and catalogue_size < len(reference.items()):
        raise InvalidInput(
            f"catalogue_size {catalogue_size} is below the {len(reference.items())} distinct "
            f"{signal!r} items of the reference; set it to the full catalogue size"
        )
    detector = NarrowingDetector(
        reference, catalogue_size=catalogue_size, entropy_drop=shift, gini_rise=shift,
        coverage_ratio=1.0 - COVERAGE_LOSS, alpha=alpha,
        simulations=max(500, math.ceil(2.0 / alpha)), min_outputs=MIN_OUTPUTS, seed=seed,
    )  # fmt: skip
    verdict = detector.update(current).verdict
    assert verdict is not None  # update always leaves one
    if verdict.status is VerdictStatus.INSUFFICIENT:
        return _insufficient(shift, verdict.message)
    return _result(verdict, shift, overflow)


def _result(verdict: NarrowingVerdict, shift: float, overflow: int) -> NarrowingResult:
    effects = {
        "entropy": (verdict.entropy_drop, shift),
        "gini": (verdict.gini_rise, shift),
        "coverage": (1.0 - verdict.coverage_ratio, COVERAGE_LOSS),
    }
    material = [k for k, (effect, limit) in effects.items() if effect >= limit]
    # Report the most significant material effect; with none, the most significant of all.
    pool = material or list(effects)
    chosen = min(pool, key=lambda k: (verdict.p_values[k], -effects[k][0]))
    value, limit = effects[chosen]
    w = verdict.window
    message = (
        f"{'narrowed' if material else 'stable'} ({chosen} effect {value:.3g}, threshold "
        f"{limit:g}): entropy {w.entropy:.3f} (drop {verdict.entropy_drop:.3f}), Gini "
        f"{w.gini:.3f} (rise {verdict.gini_rise:.3f}), {w.distinct} distinct of {w.support} "
        f"({verdict.coverage_ratio:.2f} of a same-size reference window)"
    )
    if material:
        message += "; check for a feedback loop in ranking or routing"
    if overflow:
        message += f"; {overflow} outputs past the stored item cap were not counted by item"
    return NarrowingResult(
        CheckStatus.OK, value, limit, verdict.p_values[chosen], message, bool(material)
    )
