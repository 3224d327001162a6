"""Bulkheads cap concurrent calls per upstream and reject the overflow."""

from __future__ import annotations

import asyncio
import threading

import pytest

from surefoot.guard import Bulkhead


def test_rejects_beyond_the_limit_without_waiting() -> None:
    """With no wait allowed, the call past the limit is refused at once."""
    bulkhead = Bulkhead(max_concurrent=2)
    assert bulkhead.acquire(1.0)
    assert bulkhead.acquire(1.0)
    assert not bulkhead.acquire(1.0)
    bulkhead.release()
    assert bulkhead.acquire(1.0)
    assert bulkhead.in_flight == 2


def test_waiting_is_bounded_by_the_timeout() -> None:
    """A full bulkhead waits at most the smaller of its max wait and the deadline."""
    bulkhead = Bulkhead(max_concurrent=1, max_wait_s=5.0)
    assert bulkhead.acquire(1.0)
    assert not bulkhead.acquire(0.01)


async def test_async_calls_are_capped_too() -> None:
    """Async callers share an asyncio semaphore with the same limit."""
    bulkhead = Bulkhead(max_concurrent=1, max_wait_s=0.01)
    assert await bulkhead.aacquire(1.0)
    assert not await bulkhead.aacquire(1.0)
    bulkhead.arelease()
    assert await asyncio.wait_for(bulkhead.aacquire(1.0), 1.0)


def test_a_waiting_call_takes_the_slot_a_release_frees() -> None:
    """A sync call waiting on a full bulkhead gets the slot as soon as it is released."""
    bulkhead = Bulkhead(max_concurrent=1, max_wait_s=30.0)
    assert bulkhead.acquire(30.0)
    outcome: list[bool] = []
    waiter = threading.Thread(target=lambda: outcome.append(bulkhead.acquire(30.0)))
    waiter.start()
    bulkhead.release()
    waiter.join(30.0)
    assert outcome == [True]
    assert bulkhead.in_flight == 1


def test_releasing_more_than_acquired_is_an_error() -> None:
    """A release without an acquire raises instead of silently raising the limit."""
    bulkhead = Bulkhead(max_concurrent=1)
    with pytest.raises(ValueError, match="without a matching acquire"):
        bulkhead.release()
