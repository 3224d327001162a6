"""A closed breaker's shortcut for clean successes decides exactly as the full window update."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from surefoot.core import FakeClock
from surefoot.guard import BreakerState, CircuitBreaker

Change = tuple[BreakerState, BreakerState]


class _FullPath(CircuitBreaker):
    """A breaker whose successes always take the full window update, for comparison."""

    def record_success(self, duration_s: float = 0.0) -> None:
        self._record(False, duration_s)


def _recorder(
    changes: list[Change],
) -> Callable[[CircuitBreaker, BreakerState, BreakerState], None]:
    def listener(breaker: CircuitBreaker, old: BreakerState, new: BreakerState) -> None:
        changes.append((old, new))

    return listener


def _pair(
    clock: FakeClock, **options: float
) -> tuple[tuple[CircuitBreaker, list[Change]], tuple[CircuitBreaker, list[Change]]]:
    made = []
    for cls in (CircuitBreaker, _FullPath):
        changes: list[Change] = []
        breaker = cls("up", clock=clock, **options)  # type: ignore[arg-type]
        breaker.add_listener(_recorder(changes))
        made.append((breaker, changes))
    return made[0], made[1]


_ACTIONS: dict[str, Callable[[CircuitBreaker, float], object]] = {
    "success": lambda breaker, duration_s: breaker.record_success(duration_s),
    "failure": lambda breaker, duration_s: breaker.record_failure(duration_s),
    "allow": lambda breaker, _: breaker.allow(),
    "release": lambda breaker, _: breaker.release(),
}


def _judged_window(breaker: CircuitBreaker, now_s: float) -> list[tuple[float, bool, bool]]:
    # What the next full update counts: the entries younger than the window's age limit.
    return [entry for entry in breaker._window if entry[0] > now_s - breaker.window_s]


_steps = st.lists(
    st.one_of(
        st.tuples(st.just("success"), st.floats(0.0, 2.0)),
        st.tuples(st.just("failure"), st.floats(0.0, 2.0)),
        st.tuples(st.just("wait"), st.floats(0.0, 8.0)),
        st.tuples(st.just("allow"), st.just(0.0)),
        st.tuples(st.just("release"), st.just(0.0)),
    ),
    max_size=80,
)
_options = st.fixed_dictionaries(
    {
        "window_size": st.integers(1, 6),
        "window_s": st.floats(1.0, 10.0),
        "min_calls": st.integers(1, 4),
        "failure_rate": st.sampled_from([0.0, 0.2, 0.5, 1.0]),
        "slow_call_s": st.sampled_from([0.5, 1.0, float("inf")]),
        "slow_call_rate": st.sampled_from([0.0, 0.5, 1.0]),
        "cool_down_s": st.floats(0.5, 5.0),
        "half_open_calls": st.integers(1, 3),
    }
)


@given(_options, _steps)
def test_the_shortcut_and_the_full_update_agree_on_every_step(
    options: dict[str, float], steps: list[tuple[str, float]]
) -> None:
    """Whatever the settings and the order of outcomes, waits and permits, both breakers see
    the same states, grant the same permits, notify the same changes and judge the same
    window entries."""
    clock = FakeClock()
    (fast, fast_changes), (full, full_changes) = _pair(clock, **options)
    for kind, value in steps:
        if kind == "wait":
            clock.advance(value)
        else:
            assert _ACTIONS[kind](fast, value) == _ACTIONS[kind](full, value)
        now_s = clock.monotonic()
        assert fast.state is full.state
        assert fast_changes == full_changes
        assert _judged_window(fast, now_s) == _judged_window(full, now_s)
        assert fast.retry_in_s == full.retry_in_s
