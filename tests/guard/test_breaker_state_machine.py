"""Hypothesis explores the breaker's state machine and checks its invariants after every step."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from surefoot.core import FakeClock
from surefoot.guard import BreakerState, CircuitBreaker

_LEGAL = {
    (BreakerState.CLOSED, BreakerState.OPEN),
    (BreakerState.OPEN, BreakerState.HALF_OPEN),
    (BreakerState.HALF_OPEN, BreakerState.OPEN),
    (BreakerState.HALF_OPEN, BreakerState.CLOSED),
}


class BreakerMachine(RuleBasedStateMachine):
    """Random calls, outcomes and clock moves against one breaker."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.breaker = CircuitBreaker(
            "up",
            min_calls=3,
            window_size=10,
            cool_down_s=5.0,
            cool_down_multiplier=2.0,
            max_cool_down_s=40.0,
            half_open_calls=2,
            slow_call_s=1.0,
            slow_call_rate=0.9,
            clock=self.clock,
        )
        self.changes: list[tuple[BreakerState, BreakerState]] = []
        self.breaker.add_listener(lambda b, old, new: self.changes.append((old, new)))
        self.in_flight = 0
        self.refused_while_open_before_cool_down = True

    @rule()
    def call(self) -> None:
        """Ask for a permit; an open breaker within its cool-down refuses."""
        state = self.breaker.state
        allowed = self.breaker.allow()
        if state is BreakerState.OPEN:
            assert not allowed
        if state is BreakerState.CLOSED:
            assert allowed
        self.in_flight += allowed

    @precondition(lambda self: self.in_flight > 0)
    @rule(failed=st.booleans(), duration=st.floats(min_value=0.0, max_value=2.0))
    def finish(self, failed: bool, duration: float) -> None:
        """Settle one admitted call."""
        self.in_flight -= 1
        if failed:
            self.breaker.record_failure(duration)
        else:
            self.breaker.record_success(duration)

    @precondition(lambda self: self.in_flight > 0)
    @rule()
    def give_back(self) -> None:
        """Hand back one admitted call unused."""
        self.in_flight -= 1
        self.breaker.release()

    @rule(seconds=st.floats(min_value=0.0, max_value=50.0))
    def wait(self, seconds: float) -> None:
        """Let time pass."""
        self.clock.advance(seconds)

    @invariant()
    def transitions_are_legal(self) -> None:
        """Only closed→open, open→half-open, half-open→open/closed ever happen."""
        assert all(change in _LEGAL for change in self.changes)

    @invariant()
    def probes_are_bounded(self) -> None:
        """Half-open never has more probes in flight than allowed."""
        assert 0 <= self.breaker.probes_in_flight <= self.breaker.half_open_calls

    @invariant()
    def open_breaker_knows_when_to_probe(self) -> None:
        """An open breaker's wait never exceeds the largest cool-down."""
        assert 0.0 <= self.breaker.retry_in_s <= self.breaker.max_cool_down_s


BreakerMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestBreakerMachine = BreakerMachine.TestCase
