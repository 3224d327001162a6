"""Streaming detectors for operational signals (latency, error rate, volume, cost, prompt size).

They follow river's drift-detector contract: ``update(x)`` returns the detector, a read-only
``drift_detected`` says whether the last update raised the alarm, constructor parameters are kept
under their own names and learned state is private, and ``_reset()`` forgets what was learned.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from typing import TYPE_CHECKING, Literal

from surefoot.core import InvalidInput

if TYPE_CHECKING:
    from datetime import datetime

# Scales the median absolute deviation to the standard deviation of a normal distribution.
MAD_TO_STD = 1.4826


class PageHinkley:
    """Page–Hinkley test for a change in the mean of a stream.

    Args:
        min_instances: Values to see before the alarm may fire.
        delta: Tolerated drift per value, in the stream's units.
        threshold: Cumulative deviation (lambda) that raises the alarm.
        alpha: Forgetting factor applied to the cumulative sums (1.0 never forgets).
        mode: ``"up"`` detects increases, ``"down"`` decreases, ``"both"`` either.

    Examples:
        >>> ph = PageHinkley(threshold=20.0)
        >>> alarms = [ph.update(x).drift_detected for x in [0.0] * 100 + [5.0] * 20]
        >>> alarms.index(True)
        104
    """

    def __init__(
        self,
        min_instances: int = 30,
        delta: float = 0.005,
        threshold: float = 50.0,
        alpha: float = 1.0 - 0.0001,
        mode: Literal["up", "down", "both"] = "both",
    ) -> None:
        if threshold <= 0 or not 0.0 < alpha <= 1.0:
            raise InvalidInput("threshold must be positive and alpha in (0, 1]")
        self.min_instances = min_instances
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
        self.mode = mode
        self._reset()

    def _reset(self) -> None:
        self._n = 0
        self._mean = 0.0
        self._sum_up = 0.0
        self._sum_down = 0.0
        self._drift_detected = False

    @property
    def drift_detected(self) -> bool:
        """Whether the last update raised the alarm."""
        return self._drift_detected

    def update(self, x: float) -> PageHinkley:
        """Feed one value; after an alarm the next update starts afresh."""
        if self._drift_detected:
            self._reset()
        self._n += 1
        self._mean += (x - self._mean) / self._n
        # Cumulative sums of deviations beyond delta, floored at zero (the running-minimum form).
        self._sum_up = max(0.0, self.alpha * self._sum_up + (x - self._mean - self.delta))
        self._sum_down = max(0.0, self.alpha * self._sum_down + (self._mean - x - self.delta))
        if self._n >= self.min_instances:
            up = self.mode in ("up", "both") and self._sum_up > self.threshold
            down = self.mode in ("down", "both") and self._sum_down > self.threshold
            self._drift_detected = up or down
        return self


class SeasonalBaseline:
    """Robust anomaly detector against a seasonal baseline: median and MAD per time slot.

    Each value is scored against the recent history of its slot (hour of day, or hour of week),
    ``|x - median| / (1.4826 * MAD)``, then added to that history. Medians and MADs shrug off
    the outliers that would drag a mean and standard deviation.

    Args:
        season: ``"hour_of_day"`` (24 slots) or ``"hour_of_week"`` (168 slots).
        window: Past values kept per slot.
        min_history: Values a slot needs before it may raise an alarm.
        threshold: Robust z-score at or above which a value is anomalous.
        min_scale: Floor on the scale, so a perfectly flat history does not flag tiny changes.

    Examples:
        >>> from datetime import UTC, datetime, timedelta
        >>> det = SeasonalBaseline(min_history=3)
        >>> start = datetime(2026, 1, 5, tzinfo=UTC)
        >>> for day in range(7):
        ...     _ = det.update(100.0 + day % 3, start + timedelta(days=day))
        >>> det.update(400.0, start + timedelta(days=7)).drift_detected
        True
    """

    def __init__(
        self,
        season: Literal["hour_of_day", "hour_of_week"] = "hour_of_day",
        window: int = 28,
        min_history: int = 7,
        threshold: float = 5.0,
        min_scale: float = 1e-9,
    ) -> None:
        if window < min_history or min_history < 1:
            raise InvalidInput("need 1 <= min_history <= window")
        self.season = season
        self.window = window
        self.min_history = min_history
        self.threshold = threshold
        self.min_scale = min_scale
        self._reset()

    def _reset(self) -> None:
        self._history: dict[int, deque[float]] = {}
        self._score = 0.0
        self._drift_detected = False

    @property
    def drift_detected(self) -> bool:
        """Whether the last value was anomalous for its slot."""
        return self._drift_detected

    @property
    def score(self) -> float:
        """Robust z-score of the last value (0 while its slot has too little history)."""
        return self._score

    def slot(self, at: datetime) -> int:
        """The seasonal slot a timestamp falls in."""
        if self.season == "hour_of_week":
            return at.weekday() * 24 + at.hour
        return at.hour

    def update(self, x: float, at: datetime) -> SeasonalBaseline:
        """Score ``x`` observed at ``at`` against its slot, then remember it."""
        history = self._history.setdefault(self.slot(at), deque(maxlen=self.window))
        self._score, self._drift_detected = 0.0, False
        if len(history) >= self.min_history:
            median = statistics.median(history)
            mad = statistics.median(abs(v - median) for v in history)
            scale = max(MAD_TO_STD * mad, self.min_scale, abs(median) * 1e-6)
            self._score = abs(x - median) / scale
            self._drift_detected = self._score >= self.threshold and math.isfinite(x)
        history.append(x)
        return self
