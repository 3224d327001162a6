"""A per-key token bucket: 429 with Retry-After once a key exceeds its rate."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.server.conftest import LOOPBACK_CLIENT, server_settings

from surefoot.server import create_app
from surefoot.server._ratelimit import TokenBuckets
from surefoot.store import ApiKeys, ApiKeyScope, Store


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_the_burst_then_the_rate() -> None:
    """burst requests pass at once; then one per 1/rate seconds."""
    clock = Clock()
    buckets = TokenBuckets(rate_per_s=2.0, burst=3, clock=clock)
    assert [buckets.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("k") == 0.5
    clock.now += 0.5
    assert buckets.take("k") == 0.0


def test_keys_have_separate_buckets() -> None:
    """One key exhausting its bucket does not limit another."""
    buckets = TokenBuckets(rate_per_s=1.0, burst=1, clock=Clock())
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    assert buckets.take("b") == 0.0


def test_zero_rate_turns_the_limit_off() -> None:
    """rate_per_s = 0 never limits."""
    buckets = TokenBuckets(rate_per_s=0.0, burst=1, clock=Clock())
    assert all(buckets.take("k") == 0.0 for _ in range(100))


def test_limited_requests_get_429_with_retry_after(store_url: str, store: Store) -> None:
    """Past the burst, a key gets 429, a rate_limit_error and Retry-After in whole seconds."""
    settings = server_settings(store_url, rate_limit_per_s=0.5, rate_limit_burst=2)
    client = TestClient(create_app(settings, store=store, clock=Clock()), client=LOOPBACK_CLIENT)
    _, key = ApiKeys(store.engine).create("ci", [ApiKeyScope.READ])
    headers = {"x-api-key": key}
    statuses = [client.get("/api/v1/traces", headers=headers).status_code for _ in range(2)]
    limited = client.get("/api/v1/traces", headers=headers)
    assert statuses == [200, 200]
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2"
    assert limited.json()["error"]["type"] == "rate_limit_error"
