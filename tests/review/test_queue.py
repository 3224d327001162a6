"""The review queue: ordering, exclusive claims, decisions and refusals that change nothing."""

from __future__ import annotations

import threading

import pytest

from surefoot.core import FakeClock, InvalidInput, OnExpiry, ReviewOrigin, ReviewStatus
from surefoot.review import ReviewQueue
from surefoot.store import Store


def _item(queue: ReviewQueue, text: str = "what is 2+2", **kwargs: object) -> str:
    payload = {"input": text, "output": "5"}
    return queue.submit(ReviewOrigin.SAMPLE, "check the answer", payload, **kwargs).item_id  # type: ignore[arg-type]


def test_claims_follow_priority_then_age(queue: ReviewQueue, clock: FakeClock) -> None:
    """The highest priority is claimed first, then the oldest."""
    low = _item(queue, "a")
    clock.advance(1)
    high = _item(queue, "b", priority=5)
    clock.advance(1)
    low2 = _item(queue, "c")
    claimed = [queue.claim("r") for _ in range(4)]
    assert [c.item_id if c else None for c in claimed] == [high, low, low2, None]


def test_concurrent_reviewers_never_share_an_item(store: Store, queue: ReviewQueue) -> None:
    """Eight reviewers claiming at once get distinct items."""
    ids = {_item(queue, f"q{i}") for i in range(16)}
    got: list[str] = []
    lock = threading.Lock()

    def reviewer(name: str) -> None:
        mine = ReviewQueue(store, claim_s=60.0)
        while (item := mine.claim(name)) is not None:
            with lock:
                got.append(item.item_id)

    threads = [threading.Thread(target=reviewer, args=(f"r{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted(ids)


def test_approve_records_the_decision(queue: ReviewQueue) -> None:
    """Approving a claimed item records who decided and when."""
    item_id = _item(queue)
    queue.claim("alice")
    decided = queue.approve(item_id, "alice", note="fine")
    assert decided.status is ReviewStatus.APPROVED
    assert (decided.decided_by, decided.note) == ("alice", "fine")


def test_deciding_someone_elses_claim_is_refused(queue: ReviewQueue) -> None:
    """Bob cannot decide the item Alice claimed, and nothing changes."""
    item_id = _item(queue)
    queue.claim("alice")
    with pytest.raises(InvalidInput, match="claimed by alice"):
        queue.reject(item_id, "bob")
    assert queue.get(item_id).status is ReviewStatus.CLAIMED  # type: ignore[union-attr]


def test_deciding_twice_is_refused(queue: ReviewQueue) -> None:
    """A decided item cannot be decided again."""
    item_id = _item(queue)
    queue.claim("alice")
    queue.approve(item_id, "alice")
    with pytest.raises(InvalidInput, match="already decided"):
        queue.reject(item_id, "alice")
    assert queue.get(item_id).status is ReviewStatus.APPROVED  # type: ignore[union-attr]


def test_expired_claim_is_refused_and_reclaimable(queue: ReviewQueue, clock: FakeClock) -> None:
    """After the claim lapses its holder cannot decide, and another reviewer can claim it."""
    item_id = _item(queue)
    queue.claim("alice")
    clock.advance(61)
    with pytest.raises(InvalidInput, match=r"claim on item .* expired"):
        queue.approve(item_id, "alice")
    again = queue.claim("bob")
    assert again is not None and again.item_id == item_id


def test_unknown_and_unclaimed_items_are_refused(queue: ReviewQueue) -> None:
    """Deciding an unknown or unclaimed item is refused."""
    with pytest.raises(InvalidInput, match="no review item"):
        queue.approve("nope", "alice")
    item_id = _item(queue)
    with pytest.raises(InvalidInput, match="not claimed"):
        queue.approve(item_id, "alice")


def test_deadline_applies_the_on_expiry_policy(queue: ReviewQueue, clock: FakeClock) -> None:
    """An undecided item past its deadline is settled by its on-expiry policy."""
    expire = _item(queue, "x", deadline_s=10, on_expiry=OnExpiry.EXPIRE)
    keep = _item(queue, "y", deadline_s=10, on_expiry=OnExpiry.KEEP)
    assert queue.expire() == []
    clock.advance(11)
    assert [i.item_id for i in queue.expire()] == [expire]
    assert queue.get(expire).status is ReviewStatus.EXPIRED  # type: ignore[union-attr]
    assert queue.get(keep).status is ReviewStatus.OPEN  # type: ignore[union-attr]
