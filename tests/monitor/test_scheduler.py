"""The scheduler evaluates stored profiles window by window, with BH across drift monitors."""

from __future__ import annotations

import threading

import numpy as np
from tests.monitor.ops import SETTINGS, WINDOW_S, scheduler, traffic_window
from tests.monitor.spans import Traffic, window_spans

from surefoot.core import AlertState, CheckStatus, FakeClock
from surefoot.monitor import (
    Method,
    Monitor,
    Scheduler,
    benjamini_hochberg,
    compare_field,
    read_profile,
)
from surefoot.store import Store


def test_drift_fires_in_the_window_it_starts(store: Store) -> None:
    """Clean windows pass; the first drifted window breaches and fires both monitors."""
    sched = scheduler(store)
    rng = np.random.default_rng(3)
    results = [traffic_window(sched, rng, drifted=w >= 4) for w in range(5)]
    assert all(o.check.status is not CheckStatus.BREACH for r in results[:4] for o in r.outcomes)
    fired = {o.check.monitor for o in results[4].outcomes if o.alert is not None}
    assert fired == {"question-length", "retrieval-score"}
    assert all(o.alert.state is AlertState.FIRING for o in results[4].outcomes if o.alert)


def test_each_window_is_evaluated_once(store: Store) -> None:
    """A second pass in the same window writes no new checks."""
    sched = scheduler(store)
    traffic_window(sched, np.random.default_rng(0), drifted=False)
    assert sched.run_once().outcomes == []


def test_missed_windows_are_caught_up_oldest_first(store: Store) -> None:
    """After three windows without a pass, one pass evaluates all three in order."""
    sched = scheduler(store)
    rng = np.random.default_rng(0)
    traffic_window(sched, rng, drifted=False)
    clock = sched.clock
    assert isinstance(clock, FakeClock)
    for _ in range(3):
        sched.writer.log_batch("bot", {"top_score": [0.8] * 10}, at=clock.now_ns())
        clock.advance(WINDOW_S)
    ends = [
        o.check.window_end_ns
        for o in sched.run_once().outcomes
        if o.check.monitor == "retrieval-score"
    ]
    assert ends == sorted(ends) and len(ends) == 3


def test_drift_p_values_are_adjusted_across_monitors(store: Store) -> None:
    """Stored p-values of drift monitors in one pass are the BH adjustment of their raw ones."""
    monitors = [
        Monitor(f"m{i}", "question_length", method="ks", window_s=WINDOW_S, reference_windows=3,
                source="bot", alpha=0.05 + i / 100)
        for i in range(3)
    ] + [
        Monitor("s", "top_score", method="psi", window_s=WINDOW_S, reference_windows=3,
                source="bot")
    ]  # fmt: skip
    sched = scheduler(store, monitors=monitors)
    rng = np.random.default_rng(9)
    results = [traffic_window(sched, rng, drifted=w >= 4, n=60) for w in range(5)]
    last = results[-1].outcomes
    start, end = last[0].check.window_start_ns, last[0].check.window_end_ns
    raw = []
    for o in last:
        m = next(m for m in monitors if m.name == o.check.monitor)
        ref, _ = read_profile(sched.profiles, "bot", m.signal, start - 3 * (end - start), start)
        cur, _ = read_profile(sched.profiles, "bot", m.signal, start, end)
        assert ref is not None and cur is not None
        raw.append(compare_field(m.signal, ref, cur, Method(m.method)).p_value)
    assert [o.check.p_value for o in last] == benjamini_hochberg(raw)


def test_monitors_on_traces_read_trace_profiles(store: Store) -> None:
    """A traces monitor sees a retrieval collapse written as spans."""
    clock = FakeClock(start_s=1_700_000_400.0)
    monitor = Monitor(
        "retrieval", "retrieval.top_score", window_s=WINDOW_S, reference_windows=3, fire_after=1
    )
    sched = Scheduler(store, [monitor], settings=SETTINGS, clock=clock)
    rng = np.random.default_rng(2)
    width = int(WINDOW_S * 1e9)
    statuses = []
    for w in range(5):
        traffic = Traffic(retrieval_mean=0.3) if w == 4 else Traffic()
        store.write_spans(window_spans(rng, clock.now_ns(), width - 10**9, 40, traffic))
        clock.advance(WINDOW_S)
        statuses.append(sched.run_once().outcomes[0].check.status)
    assert statuses[-1] is CheckStatus.BREACH
    assert CheckStatus.BREACH not in statuses[:-1]


def test_run_passes_on_the_injected_clock(store: Store) -> None:
    """With a fake clock, run() sleeps simulated time between passes and evaluates each window."""
    sched = scheduler(store)
    sched.writer.log_batch("bot", {"top_score": [0.8] * 10}, at=sched.clock.now_ns())
    assert sched.run(every_s=WINDOW_S, max_passes=3) == 3
    assert len(sched.checks.checks("retrieval-score")) == 3  # one window per pass


def test_run_stops_when_told(store: Store) -> None:
    """A set stop event ends the loop before its next pass."""
    sched = scheduler(store)
    stop = threading.Event()
    stop.set()
    assert sched.run(every_s=0.01, stop=stop) == 0
