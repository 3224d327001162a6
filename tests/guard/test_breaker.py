"""The circuit breaker opens on errors or slowness, probes after a cool-down, and recovers."""

from __future__ import annotations

from surefoot.core import FakeClock
from surefoot.guard import BreakerState, CircuitBreaker


def _state(breaker: CircuitBreaker) -> BreakerState:
    # A call, so that mypy does not narrow the property between reads.
    return breaker.state


def _breaker(clock: FakeClock, **kwargs: float) -> CircuitBreaker:
    settings: dict[str, float] = {"min_calls": 4, "failure_rate": 0.5, "cool_down_s": 10.0}
    settings.update(kwargs)
    return CircuitBreaker("up", clock=clock, **settings)  # type: ignore[arg-type]


def test_opens_when_the_error_rate_reaches_the_threshold() -> None:
    """Two failures in four calls open a breaker with a 50 % threshold."""
    breaker = _breaker(FakeClock())
    breaker.record_success()
    breaker.record_success()
    breaker.record_failure()
    assert _state(breaker) is BreakerState.CLOSED
    breaker.record_failure()
    assert _state(breaker) is BreakerState.OPEN
    assert not breaker.allow()


def test_stays_closed_below_the_minimum_volume() -> None:
    """Failures below ``min_calls`` never open the breaker."""
    breaker = _breaker(FakeClock())
    for _ in range(3):
        breaker.record_failure()
    assert _state(breaker) is BreakerState.CLOSED


def test_opens_on_slow_calls_alone() -> None:
    """Successful but slow calls open the breaker by slow-call rate."""
    breaker = _breaker(FakeClock(), slow_call_s=1.0, slow_call_rate=0.75)
    for _ in range(4):
        breaker.record_success(duration_s=2.0)
    assert _state(breaker) is BreakerState.OPEN


def test_old_outcomes_leave_the_window() -> None:
    """Failures older than ``window_s`` no longer count."""
    clock = FakeClock()
    breaker = _breaker(clock, window_s=5.0)
    breaker.record_failure()
    breaker.record_failure()
    clock.advance(6.0)
    breaker.record_success()
    breaker.record_success()
    breaker.record_failure()
    assert _state(breaker) is BreakerState.CLOSED


def test_half_open_after_the_cool_down_admits_limited_probes() -> None:
    """After the cool-down only ``half_open_calls`` probes pass at once."""
    clock = FakeClock()
    breaker = _breaker(clock, half_open_calls=2)
    for _ in range(4):
        breaker.record_failure()
    clock.advance(10.0)
    assert _state(breaker) is BreakerState.HALF_OPEN
    assert [breaker.allow() for _ in range(3)] == [True, True, False]


def test_probe_successes_close_the_breaker() -> None:
    """Enough successful probes close the breaker."""
    clock = FakeClock()
    breaker = _breaker(clock)
    for _ in range(4):
        breaker.record_failure()
    clock.advance(10.0)
    assert breaker.allow()
    breaker.record_success()
    assert _state(breaker) is BreakerState.CLOSED


def test_failed_probe_reopens_with_a_longer_cool_down() -> None:
    """A failed probe re-opens the breaker and multiplies the cool-down."""
    clock = FakeClock()
    breaker = _breaker(clock, cool_down_multiplier=2.0)
    for _ in range(4):
        breaker.record_failure()
    clock.advance(10.0)
    assert breaker.allow()
    breaker.record_failure()
    assert _state(breaker) is BreakerState.OPEN
    clock.advance(10.0)
    assert _state(breaker) is BreakerState.OPEN
    clock.advance(10.0)
    assert _state(breaker) is BreakerState.HALF_OPEN


def test_listeners_see_every_state_change() -> None:
    """Listeners are called with old and new state after each transition."""
    clock = FakeClock()
    seen: list[tuple[str, str]] = []
    breaker = _breaker(clock)
    breaker.add_listener(lambda b, old, new: seen.append((old.value, new.value)))
    for _ in range(4):
        breaker.record_failure()
    clock.advance(10.0)
    breaker.allow()
    breaker.record_success()
    assert seen == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]


def test_a_failing_listener_does_not_break_the_breaker() -> None:
    """An exception in a listener is logged, not raised."""
    breaker = _breaker(FakeClock())

    def broken(*args: object) -> None:
        raise RuntimeError("metrics down")

    breaker.add_listener(broken)
    for _ in range(4):
        breaker.record_failure()
    assert _state(breaker) is BreakerState.OPEN
