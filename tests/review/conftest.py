"""Fixtures for the review tests: a queue on each store backend, on a fake clock."""

from __future__ import annotations

import pytest

from surefoot.core import FakeClock
from surefoot.review import ReviewQueue
from surefoot.store import Store


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    """A clock that moves only when told to."""
    return FakeClock(start_s=1_000.0)


@pytest.fixture(name="queue")
def _queue(store: Store, clock: FakeClock) -> ReviewQueue:
    """A review queue with 60 s claims."""
    return ReviewQueue(store, clock=clock, claim_s=60.0)
