"""Fixtures for the actions tests: an Actions API on each store backend, on a fake clock."""

from __future__ import annotations

import pytest

from surefoot.actions import Actions
from surefoot.core import FakeClock
from surefoot.store import Store


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    """A clock that moves only when told to."""
    return FakeClock(start_s=1_000.0)


@pytest.fixture(name="actions")
def _actions(store: Store, clock: FakeClock) -> Actions:
    """Actions over the test store with a 30 s lease and a 1 s duplicate wait."""
    return Actions(store, clock=clock, lease_s=30.0, wait_s=1.0, owner="worker-a")
