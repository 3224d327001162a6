"""The retry budget: retries are a bounded fraction of recent traffic, shared per upstream."""

from __future__ import annotations

import threading

from surefoot.core._clock import SYSTEM_CLOCK, Clock

__all__ = ["RetryBudget"]


class RetryBudget:
    """A token bucket that caps retries at a fraction of requests, so a bad minute stays small.

    Every request deposits ``ratio`` tokens, time deposits ``min_retries_per_s`` tokens per
    second (so a quiet upstream can still be retried), and every retry withdraws one token. The
    balance never exceeds ``burst``, so a quiet hour cannot be saved up for a retry storm. Over
    any run the total is therefore bounded::

        retries <= burst + ratio * requests + min_retries_per_s * elapsed_s

    This is the scheme of Finagle's ``RetryBudget`` and gRPC's retry throttling. The budget is
    thread-safe; share one instance per upstream.

    Args:
        ratio: retry tokens earned per request (0.1 allows one retry per ten requests).
        min_retries_per_s: tokens earned per second regardless of traffic.
        burst: the largest balance, and the balance at start.
        clock: the time source.

    Examples:
        >>> from surefoot.core import FakeClock
        >>> budget = RetryBudget(ratio=0.5, min_retries_per_s=0.0, burst=1.0, clock=FakeClock())
        >>> budget.try_acquire(), budget.try_acquire()
        (True, False)
        >>> budget.record_request(); budget.record_request()
        >>> budget.try_acquire()
        True
    """

    def __init__(
        self,
        ratio: float = 0.1,
        min_retries_per_s: float = 1.0,
        burst: float = 10.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.ratio = ratio
        self.min_retries_per_s = min_retries_per_s
        self.burst = burst
        self.clock = clock
        self._lock = threading.Lock()
        self._balance = burst
        self._last_s = clock.monotonic()
        self._started_s = self._last_s
        self._requests = 0
        self._granted = 0
        self._denied = 0

    def record_request(self) -> None:
        """Count one first attempt: deposit ``ratio`` tokens."""
        # No refill here: capped additions of non-negative amounts commute, so the time
        # earned since the last refill is added just as well by the next try_acquire().
        # Every request comes here: the lock is taken by hand (a with-block costs twice as
        # much), and min(self.burst, balance) spelled out (the builtin parses its arguments).
        self._lock.acquire()
        try:
            self._requests += 1
            balance = self._balance + self.ratio
            self._balance = balance if balance < self.burst else self.burst
        finally:
            self._lock.release()

    def try_acquire(self) -> bool:
        """Withdraw one token for a retry; False (and no retry) when the balance is short."""
        with self._lock:
            self._refill()
            if self._balance >= 1.0:
                self._balance -= 1.0
                self._granted += 1
                return True
            self._denied += 1
            return False

    @property
    def balance(self) -> float:
        """Tokens available now."""
        with self._lock:
            self._refill()
            return self._balance

    @property
    def requests(self) -> int:
        """Requests counted so far."""
        return self._requests

    @property
    def granted(self) -> int:
        """Retries granted so far."""
        return self._granted

    @property
    def denied(self) -> int:
        """Retries refused so far."""
        return self._denied

    def allowance(self) -> float:
        """The most retries this budget could have granted so far (the bound in the docstring)."""
        elapsed_s = self.clock.monotonic() - self._started_s
        return self.burst + self.ratio * self._requests + self.min_retries_per_s * elapsed_s

    def _refill(self) -> None:
        now_s = self.clock.monotonic()
        earned = (now_s - self._last_s) * self.min_retries_per_s
        self._last_s = now_s
        self._balance = min(self.burst, self._balance + max(earned, 0.0))
