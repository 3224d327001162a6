"""A per-key limit shared by replicas through the store: it holds across apps within the slack."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.server.conftest import LOOPBACK_CLIENT, server_settings

from surefoot.core import FakeClock, StoreError
from surefoot.server import create_app
from surefoot.server._shared_limit import SharedRateLimit
from surefoot.store import ApiKeys, ApiKeyScope, RateLimitCounters, Store
from surefoot.store._schema_gateway import rate_limit_windows

ROUTE = "/api/v1/traces"
# 1 request/s over a 10 s window: 10 requests per window across every replica.
LIMIT = 10


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    """Wall and monotonic time for both replicas, at the start of a window."""
    return FakeClock(start_s=1_000.0)


def _replica(store_url: str, store: Store, clock: FakeClock, sync_s: float) -> FastAPI:
    settings = server_settings(
        store_url,
        rate_limit_per_s=1.0,
        rate_limit_burst=1_000,  # the local bucket never binds: only the shared limit does
        rate_limit_window_s=10.0,
        rate_limit_sync_s=sync_s,
    )
    return create_app(settings, store=store, clock=clock.monotonic, wall_clock=clock.monotonic)


@pytest.fixture(name="replicas")
def _replicas(store_url: str, store: Store, clock: FakeClock) -> Iterator[list[TestClient]]:
    """Two apps on one store whose background sync never runs by itself."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                TestClient(_replica(store_url, store, clock, 3_600), client=LOOPBACK_CLIENT)
            )
            for _ in range(2)
        ]


def _sync(client: TestClient) -> None:
    state = client.app.state.surefoot  # type: ignore[attr-defined]
    asyncio.run(state.auth.shared.sync(state.rate_counters))


def _admitted(client: TestClient, key: str, n: int) -> int:
    codes = [client.get(ROUTE, headers={"x-api-key": key}).status_code for _ in range(n)]
    assert set(codes) <= {200, 429}
    return codes.count(200)


def test_the_limit_holds_across_two_replicas_within_the_slack(
    store: Store, replicas: list[TestClient]
) -> None:
    """Alternating replicas admit the limit, plus at most what the other admits between syncs."""
    _, key = ApiKeys(store.engine).create("ci", [ApiKeyScope.READ])
    per_sync = 2
    admitted = 0
    for _ in range(20):
        for replica in replicas:
            admitted += _admitted(replica, key, per_sync)
        for replica in replicas:
            _sync(replica)
    assert LIMIT <= admitted <= LIMIT + per_sync


def test_without_sharing_each_replica_allows_the_full_limit(
    store_url: str, store: Store, clock: FakeClock
) -> None:
    """The comparison: with rate_limit_sync_s = 0 each process only limits itself."""
    _, key = ApiKeys(store.engine).create("ci", [ApiKeyScope.READ])
    apps = [_replica(store_url, store, clock, 0) for _ in range(2)]
    with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
        assert _admitted(one, key, 15) + _admitted(two, key, 15) == 30


def test_the_window_slides_instead_of_resetting(
    store: Store, replicas: list[TestClient], clock: FakeClock
) -> None:
    """Just after a window ends the last window still counts; half a window later half of it."""
    _, key = ApiKeys(store.engine).create("ci", [ApiKeyScope.READ])
    first, second = replicas
    assert _admitted(first, key, 5) + _admitted(second, key, 5) == 10
    for replica in (first, second, first):
        _sync(replica)
    clock.advance(10.0)
    assert _admitted(first, key, 1) + _admitted(second, key, 1) == 0
    clock.advance(5.0)
    assert _admitted(first, key, 10) == 5


def test_a_refusal_says_when_to_retry() -> None:
    """The wait is the time until the sliding count drops below the limit."""
    clock = FakeClock(start_s=100.0)
    limit = SharedRateLimit(limit=4, window_s=10.0, now_s=clock.monotonic)
    assert [limit.take("k") for _ in range(4)] == [0.0] * 4
    # 4 used of 4: the next window must start, and the old one's weight fall to 3/4.
    assert limit.take("k") == pytest.approx(10.0 + 2.5)
    clock.advance(12.5)
    assert limit.take("k") == 0.0


def test_counts_survive_a_failed_report(store: Store, tmp_path: Path) -> None:
    """Admissions a failed sync could not report are reported by the next one."""
    clock = FakeClock(start_s=100.0)
    limit = SharedRateLimit(limit=100, window_s=10.0, now_s=clock.monotonic)
    for _ in range(3):
        limit.take("k")
    # A database without the schema: every report fails, as with a store that went away.
    unmigrated = RateLimitCounters(sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'x.db'}"))
    with pytest.raises(StoreError):
        asyncio.run(limit.sync(unmigrated))
    counters = RateLimitCounters(store.engine)
    asyncio.run(limit.sync(counters))
    assert counters.report({}, [("k", 10)]) == {("k", 10): 3}


def test_the_background_sync_shares_counts_without_requests_waiting(
    store_url: str, store: Store, clock: FakeClock
) -> None:
    """With a short sync interval, a replica learns another's counts by itself."""
    _, key = ApiKeys(store.engine).create("ci", [ApiKeyScope.READ])
    apps = [_replica(store_url, store, clock, 0.02) for _ in range(2)]
    with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
        assert _admitted(first, key, LIMIT) == LIMIT
        deadline = time.monotonic() + 10
        admitted_by_second = 0
        while time.monotonic() < deadline:
            with store.engine.connect() as conn:
                shared = conn.execute(select(rate_limit_windows.c.hits)).scalars().all()
            if sum(shared) >= LIMIT:
                break
            time.sleep(0.02)
        while time.monotonic() < deadline:
            got = _admitted(second, key, 1)
            admitted_by_second += got
            if not got:
                break
            time.sleep(0.05)
    # Without the sync the second replica would admit the whole limit again.
    assert admitted_by_second < LIMIT
