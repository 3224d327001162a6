"""The retry budget bounds retries by traffic and time, and cannot be hoarded."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from surefoot.core import FakeClock
from surefoot.guard import RetryBudget

_events = st.lists(
    st.one_of(
        st.just(("request", 0.0)),
        st.just(("retry", 0.0)),
        st.tuples(st.just("advance"), st.floats(min_value=0.0, max_value=30.0)),
    ),
    max_size=300,
)


@given(
    events=_events,
    ratio=st.floats(min_value=0.0, max_value=1.0),
    per_s=st.floats(min_value=0.0, max_value=5.0),
    burst=st.floats(min_value=0.0, max_value=20.0),
)
def test_granted_retries_never_exceed_the_allowance(
    events: list[tuple[str, float]], ratio: float, per_s: float, burst: float
) -> None:
    """retries <= burst + ratio * requests + min_retries_per_s * elapsed, at every step."""
    clock = FakeClock()
    budget = RetryBudget(ratio=ratio, min_retries_per_s=per_s, burst=burst, clock=clock)
    for kind, seconds in events:
        if kind == "request":
            budget.record_request()
        elif kind == "retry":
            budget.try_acquire()
        else:
            clock.advance(seconds)
        assert budget.granted <= budget.allowance() + 1e-9
        assert 0.0 <= budget.balance <= burst + 1e-9


def test_quiet_time_cannot_be_saved_for_a_storm() -> None:
    """After an idle hour at most ``burst`` retries are granted at once."""
    clock = FakeClock()
    budget = RetryBudget(ratio=0.1, min_retries_per_s=1.0, burst=5.0, clock=clock)
    clock.advance(3600)
    granted = sum(budget.try_acquire() for _ in range(100))
    assert granted == 5


def test_concurrent_withdrawals_never_overdraw() -> None:
    """Threads racing for retries are granted exactly the balance."""
    budget = RetryBudget(ratio=0.0, min_retries_per_s=0.0, burst=50.0, clock=FakeClock())
    results: list[bool] = []
    lock = threading.Lock()

    def grab() -> None:
        for _ in range(20):
            ok = budget.try_acquire()
            with lock:
                results.append(ok)

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 50
    assert budget.denied == 160 - 50
