"""Property tests: any interleaving of claims and decisions decides each item at most once,
and a refused decision changes nothing; sampling is deterministic and near its rate."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surefoot.core import FakeClock, InvalidInput, ReviewOrigin, ReviewStatus, StoreSettings
from surefoot.review import OutputSampler, ReviewQueue, sampled
from surefoot.store import Store

REVIEWERS = ["ann", "bob", "cy"]
steps = st.lists(
    st.tuples(
        st.sampled_from(["claim", "approve", "reject", "correct", "wait"]),
        st.sampled_from(REVIEWERS),
        st.integers(0, 2),
    ),
    max_size=25,
)


@pytest.fixture(name="memory_store", scope="module")
def _memory_store() -> Iterator[Store]:
    store = Store.open(StoreSettings(url="sqlite://"))
    yield store
    store.close()


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_items_are_decided_at_most_once_by_their_claimer(
    memory_store: Store, plan: list[tuple[str, str, int]]
) -> None:
    """Whatever reviewers do, a decision needs the live claim and happens at most once."""
    clock = FakeClock()
    queue = ReviewQueue(memory_store, clock=clock, claim_s=10.0)
    ids = [queue.submit(ReviewOrigin.SAMPLE, "check", {"input": f"q{i}"}).item_id for i in range(3)]
    decided: dict[str, str] = {}
    for op, who, index in plan:
        if op == "wait":
            clock.advance(6)
            continue
        if op == "claim":
            queue.claim(who)
            continue
        item_id = ids[index]
        before = queue.get(item_id)
        assert before is not None
        live = (
            before.status is ReviewStatus.CLAIMED
            and before.claimed_by == who
            and (before.claim_expires_ns or 0) >= clock.now_ns()
        )
        try:
            if op == "correct":
                queue.correct(item_id, who, "fixed")
            else:
                getattr(queue, op)(item_id, who)
        except InvalidInput:
            assert not live
            assert queue.get(item_id) == before
        else:
            assert live and item_id not in decided
            decided[item_id] = who
    for item_id, who in decided.items():
        after = queue.get(item_id)
        assert after is not None and after.decided_by == who


@given(trace_id=st.text(min_size=1, max_size=40), rate=st.floats(0.0, 1.0))
def test_sampling_is_deterministic_and_monotone_in_rate(trace_id: str, rate: float) -> None:
    """A trace sampled at some rate is sampled at every higher rate, every time."""
    assert sampled(trace_id, rate) == sampled(trace_id, rate)
    if sampled(trace_id, rate):
        assert sampled(trace_id, min(1.0, rate + 0.1))


def test_sampler_queues_about_its_rate(memory_store: Store) -> None:
    """A 10% sampler queues between 7% and 13% of 2,000 traces."""
    queue = ReviewQueue(memory_store, clock=FakeClock())
    sampler = OutputSampler(queue, 0.1)
    hits = sum(sampler.offer(f"{i:032x}", "q", "a") is not None for i in range(2_000))
    assert 140 <= hits <= 260
