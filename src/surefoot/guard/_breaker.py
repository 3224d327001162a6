"""The circuit breaker: stop calling an upstream that is failing or slow, probe it, recover."""

from __future__ import annotations

import enum
import logging
import threading
from collections import deque
from collections.abc import Callable

from surefoot.core._clock import SYSTEM_CLOCK, Clock

__all__ = ["BreakerListener", "BreakerState", "CircuitBreaker"]

_log = logging.getLogger("surefoot.guard")


class BreakerState(enum.StrEnum):
    """Where a circuit breaker is."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


# Reading a member off an enum class goes through a descriptor (66 ns against 5 ns for a
# global on the reference machine); the breaker reads its state on every call.
_CLOSED, _OPEN, _HALF_OPEN = BreakerState.CLOSED, BreakerState.OPEN, BreakerState.HALF_OPEN

_Change = tuple[BreakerState, BreakerState]  # (old state, new state)

BreakerListener = Callable[["CircuitBreaker", BreakerState, BreakerState], None]
"""Called as ``listener(breaker, old_state, new_state)`` after every state change."""


class CircuitBreaker:
    """A per-upstream breaker that opens on error rate or slow-call rate over a sliding window.

    Closed: calls pass and their outcomes fill a window of the last ``window_size`` calls that
    are younger than ``window_s``. Once the window holds ``min_calls`` outcomes and the failure
    rate reaches ``failure_rate``, or the share of calls slower than ``slow_call_s`` reaches
    ``slow_call_rate``, the breaker opens. Open: calls are refused for ``cool_down_s``. Half-open:
    up to ``half_open_calls`` probes pass; that many successes close the breaker, one failure
    re-opens it with the cool-down multiplied by ``cool_down_multiplier`` (up to
    ``max_cool_down_s``). Thread-safe.

    Args:
        name: the upstream's name, for listeners and logs.
        failure_rate: share of failed calls in the window that opens the breaker.
        slow_call_s: a call at least this long counts as slow.
        slow_call_rate: share of slow calls in the window that opens the breaker.
        window_size: the most outcomes the window holds.
        window_s: outcomes older than this leave the window.
        min_calls: outcomes needed in the window before rates are judged.
        cool_down_s: how long the breaker stays open before probing.
        cool_down_multiplier: growth of the cool-down after a failed probe (1.0 keeps it fixed).
        max_cool_down_s: the longest cool-down.
        half_open_calls: probes admitted while half-open, and successes needed to close.
        clock: the time source.
        listeners: called after every state change.
    """

    def __init__(
        self,
        name: str = "upstream",
        *,
        failure_rate: float = 0.5,
        slow_call_s: float = float("inf"),
        slow_call_rate: float = 1.0,
        window_size: int = 100,
        window_s: float = 60.0,
        min_calls: int = 10,
        cool_down_s: float = 5.0,
        cool_down_multiplier: float = 1.0,
        max_cool_down_s: float = 300.0,
        half_open_calls: int = 1,
        clock: Clock = SYSTEM_CLOCK,
        listeners: tuple[BreakerListener, ...] = (),
    ) -> None:
        self.name = name
        self.failure_rate = failure_rate
        self.slow_call_s = slow_call_s
        self.slow_call_rate = slow_call_rate
        self.window_size = window_size
        self.window_s = window_s
        self.min_calls = min_calls
        self.cool_down_s = cool_down_s
        self.cool_down_multiplier = cool_down_multiplier
        self.max_cool_down_s = max_cool_down_s
        self.half_open_calls = half_open_calls
        self.clock = clock
        self.listeners = list(listeners)
        self._lock = threading.Lock()
        self._state = _CLOSED
        self._window: deque[tuple[float, bool, bool]] = deque()
        self._failures = 0
        self._slows = 0
        self._opened_at_s = 0.0
        self._current_cool_down_s = cool_down_s
        self._probes_in_flight = 0
        self._probe_successes = 0

    @property
    def state(self) -> BreakerState:
        """The state now; an open breaker whose cool-down passed reads as half-open."""
        with self._lock:
            return self._advance()[0]

    @property
    def probes_in_flight(self) -> int:
        """Half-open probes admitted and not yet settled."""
        return self._probes_in_flight

    @property
    def retry_in_s(self) -> float:
        """Seconds until an open breaker starts probing; 0 when not open."""
        with self._lock:
            if self._advance()[0] is not _OPEN:
                return 0.0
            left = self._opened_at_s + self._current_cool_down_s - self.clock.monotonic()
            return min(max(left, 0.0), self._current_cool_down_s)  # no float noise past bounds

    def allow(self) -> bool:
        """Ask to make a call; after True the caller must call one ``record_*`` or ``release``."""
        if self._state is _CLOSED:
            # Nearly every call: closed admits without the lock (nothing to advance, and a
            # racing transition is the same as having asked just before it).
            return True
        with self._lock:
            state, change = self._advance()
            if state is _CLOSED:
                allowed = True
            elif state is _HALF_OPEN and self._probes_in_flight < self.half_open_calls:
                self._probes_in_flight += 1
                allowed = True
            else:
                allowed = False
        if change is not None:
            self._notify(change)
        return allowed

    def release(self) -> None:
        """Hand back an allowed call that was never made (a bulkhead or budget refusal)."""
        with self._lock:
            if self._state is _HALF_OPEN and self._probes_in_flight > 0:
                self._probes_in_flight -= 1

    def record_success(self, duration_s: float = 0.0) -> None:
        """Record a call that succeeded in ``duration_s`` (it may still count as slow)."""
        self._lock.acquire()  # by hand: a with-block costs twice as much, on every call
        try:
            if (
                self._state is _CLOSED
                and not (self._failures or self._slows)
                and duration_s < self.slow_call_s
                and self.failure_rate > 0.0 < self.slow_call_rate
            ):
                # Nearly every call: closed, and the window holds only fast successes. Another
                # one cannot open the breaker (no rate can rise above zero), so it only joins
                # the window. Entries that aged out stay until the next judged call drops them
                # before counting, so the counts it judges are the same (tests/guard/
                # test_breaker_fast_path.py holds the two paths equal).
                window = self._window
                if len(window) == self.window_size:
                    window.popleft()  # a fast success too: the counts stay zero
                window.append((self.clock.monotonic(), False, False))
                return
        finally:
            self._lock.release()
        self._record(False, duration_s)

    def record_failure(self, duration_s: float = 0.0) -> None:
        """Record a call that failed."""
        self._record(True, duration_s)

    def add_listener(self, listener: BreakerListener) -> None:
        """Call ``listener(breaker, old, new)`` after every state change."""
        self.listeners.append(listener)

    def _record(self, failed: bool, duration_s: float) -> None:
        slow = duration_s >= self.slow_call_s
        change = None
        with self._lock:
            if self._state is _CLOSED:  # nearly every call: nothing to advance
                later = self._fill_window(failed, slow)
            else:
                state, change = self._advance()
                later = self._settle(state, failed or slow)
        if change is not None or later is not None:
            self._notify(change)
            self._notify(later)

    def _settle(self, state: BreakerState, failed: bool) -> _Change | None:
        # Only an open breaker gets here, and _advance turns it half-open at most.
        if state is _HALF_OPEN:
            return self._settle_probe(failed=failed)
        return None  # a call admitted before the breaker opened: already judged

    def _settle_probe(self, *, failed: bool) -> _Change | None:
        self._probes_in_flight = max(self._probes_in_flight - 1, 0)
        if failed:
            grown = self._current_cool_down_s * self.cool_down_multiplier
            self._current_cool_down_s = min(grown, self.max_cool_down_s)
            return self._move(_OPEN)
        self._probe_successes += 1
        if self._probe_successes >= self.half_open_calls:
            self._current_cool_down_s = self.cool_down_s
            return self._move(_CLOSED)
        return None

    def _fill_window(self, failed: bool, slow: bool) -> _Change | None:
        now_s = self.clock.monotonic()
        window = self._window
        if len(window) == self.window_size:
            self._forget()
        window.append((now_s, failed, slow))
        self._failures += failed
        self._slows += slow
        oldest_s = now_s - self.window_s
        while window and window[0][0] <= oldest_s:
            self._forget()
        total = len(window)
        if total < self.min_calls:
            return None
        # Running counts keep this O(1) per call: it runs on every guarded request.
        if (
            self._failures / total >= self.failure_rate
            or self._slows / total >= self.slow_call_rate
        ):
            return self._move(_OPEN)
        return None

    def _forget(self) -> None:
        _, failed, slow = self._window.popleft()
        self._failures -= failed
        self._slows -= slow

    def _advance(self) -> tuple[BreakerState, _Change | None]:
        # Open turns half-open lazily, on the first look after the cool-down: no timer thread.
        # Only an open breaker reads the clock: closed is the state of nearly every call.
        if (
            self._state is _OPEN
            and self.clock.monotonic() >= self._opened_at_s + self._current_cool_down_s
        ):
            change = self._move(_HALF_OPEN)
            return self._state, change
        return self._state, None

    def _move(self, new: BreakerState) -> _Change:
        old, self._state = self._state, new
        self._window.clear()
        self._failures = self._slows = 0
        self._probes_in_flight = 0
        self._probe_successes = 0
        if new is _OPEN:
            self._opened_at_s = self.clock.monotonic()
        return old, new

    def _notify(self, change: _Change | None) -> None:
        if change is None:
            return
        for listener in self.listeners:
            try:
                listener(self, *change)
            except Exception:  # a metrics hook must never break the call path (STYLE rule 16)
                _log.exception("circuit breaker listener failed for %s", self.name)
