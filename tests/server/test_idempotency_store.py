"""The idempotency-key repository: one claim wins, expiry frees a key, release reopens it."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surefoot.store import ClaimOutcome, IdempotencyKeys, Store, StoredResponse

RESPONSE = StoredResponse(200, {"content-type": "application/json"}, b'{"ok": true}')


class _Clock:
    def __init__(self) -> None:
        self.ns = 1_000_000_000

    def __call__(self) -> int:
        return self.ns


def test_concurrent_claims_have_exactly_one_winner(store: Store) -> None:
    """Of 16 concurrent claims of one key, exactly one is CLAIMED; the rest are in flight."""
    keys = IdempotencyKeys(store.engine)
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: keys.claim("s", "k", "h", lock_s=60).outcome, range(16)))
    assert outcomes.count(ClaimOutcome.CLAIMED) == 1
    assert set(outcomes) == {ClaimOutcome.CLAIMED, ClaimOutcome.IN_FLIGHT}


def test_a_stale_claim_is_taken_over_after_its_lock(store: Store) -> None:
    """A holder that never completes loses the key once its lock expires."""
    clock = _Clock()
    keys = IdempotencyKeys(store.engine, now_ns=clock)
    keys.claim("s", "stale", "h", lock_s=5)
    clock.ns += 6_000_000_000
    assert keys.claim("s", "stale", "h", lock_s=5).outcome is ClaimOutcome.CLAIMED


def test_stored_response_replays_until_its_ttl(store: Store) -> None:
    """A completed key replays its response, then is forgotten after the TTL."""
    clock = _Clock()
    keys = IdempotencyKeys(store.engine, now_ns=clock)
    keys.claim("s", "done", "h", lock_s=5)
    keys.complete("s", "done", RESPONSE, ttl_s=10)
    replay = keys.claim("s", "done", "h", lock_s=5)
    assert replay.outcome is ClaimOutcome.REPLAY
    assert replay.stored == RESPONSE
    clock.ns += 11_000_000_000
    assert keys.purge_expired() == 1


def test_release_reopens_the_key(store: Store) -> None:
    """A released claim can be claimed again at once."""
    keys = IdempotencyKeys(store.engine)
    keys.claim("s", "rel", "h", lock_s=60)
    keys.release("s", "rel")
    assert keys.claim("s", "rel", "h", lock_s=60).outcome is ClaimOutcome.CLAIMED


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bodies=st.lists(st.sampled_from(["a", "b"]), min_size=1, max_size=6))
def test_first_body_decides_every_later_claim(store: Store, bodies: list[str]) -> None:
    """After a completed first claim, the same body replays and any other body mismatches."""
    keys = IdempotencyKeys(store.engine)
    key = uuid.uuid4()  # fresh per example: examples share the store
    first, *rest = bodies
    assert keys.claim("p", str(key), first, lock_s=60).outcome is ClaimOutcome.CLAIMED
    keys.complete("p", str(key), RESPONSE, ttl_s=60)
    for body in rest:
        expected = ClaimOutcome.REPLAY if body == first else ClaimOutcome.MISMATCH
        assert keys.claim("p", str(key), body, lock_s=60).outcome is expected
