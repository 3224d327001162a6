"""Approved actions run promptly: run_approved() on demand, work() as a polling worker."""

from __future__ import annotations

import threading

from surefoot.actions import AboveAmount, Actions, action
from surefoot.core import ActionStatus, FakeClock, ReviewStatus
from surefoot.store import ReviewStore

paid: list[float] = []


@action("test.worker_pay", approval=AboveAmount("amount", 100))
def pay(amount: float) -> float:
    paid.append(amount)
    return amount


@action("test.worker_boom", approval=AboveAmount("amount", 100))
def boom(amount: float) -> float:
    raise RuntimeError("card declined")


def _approve(actions: Actions, review_id: str | None, clock: FakeClock) -> None:
    assert review_id is not None
    reviews = ReviewStore(actions.records.engine)
    while (claimed := reviews.claim_next("alice", clock.now_ns(), 60 * 10**9)) is not None:
        status = ReviewStatus.APPROVED if claimed.item_id == review_id else ReviewStatus.REJECTED
        assert reviews.decide(claimed.item_id, "alice", clock.now_ns(), {"status": str(status)})
        if claimed.item_id == review_id:
            return


def test_run_approved_runs_an_approved_action_once(actions: Actions, clock: FakeClock) -> None:
    """After approval, run_approved runs the action; a second call finds nothing to do."""
    paid.clear()
    pending = pay.submit(actions, "w1", amount=500.0)
    _approve(actions, pending.review_id, clock)
    first, second = actions.run_approved(), actions.run_approved()
    assert (first.approved, second.total, paid) == (["w1"], 0, [500.0])
    row = actions.get("w1")
    assert row is not None and row.status is ActionStatus.SUCCEEDED


def test_undecided_actions_wait(actions: Actions) -> None:
    """An action still waiting for a reviewer is left pending."""
    paid.clear()
    pay.submit(actions, "w2", amount=500.0)
    assert actions.run_approved().total == 0 and paid == []


def test_a_failing_action_does_not_stop_the_sweep(actions: Actions, clock: FakeClock) -> None:
    """A side effect that raises is reported as failed and the next approved action still runs."""
    paid.clear()
    bad = boom.submit(actions, "w3", amount=500.0)
    good = pay.submit(actions, "w4", amount=700.0)
    _approve(actions, bad.review_id, clock)
    _approve(actions, good.review_id, clock)
    report = actions.run_approved()
    assert (report.failed, report.approved, paid) == (["w3"], ["w4"], [700.0])


def test_worker_runs_rounds_until_told_to_stop(actions: Actions, clock: FakeClock) -> None:
    """The worker runs the requested rounds, reports each and counts what it touched."""
    paid.clear()
    pending = pay.submit(actions, "w5", amount=500.0)
    _approve(actions, pending.review_id, clock)
    seen: list[int] = []
    touched = actions.work(every_s=0.01, rounds=3, on_round=lambda r: seen.append(r.total))
    assert (touched, seen, paid) == (1, [1, 0, 0], [500.0])


def test_worker_stops_on_its_event(actions: Actions) -> None:
    """Setting the stop event ends the loop promptly, mid-wait."""
    stop = threading.Event()
    thread = threading.Thread(target=actions.work, kwargs={"every_s": 30.0, "stop": stop})
    thread.start()
    stop.set()
    thread.join(timeout=5.0)
    assert not thread.is_alive()
