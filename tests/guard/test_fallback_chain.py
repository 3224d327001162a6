"""The fallback chain: other upstreams first, then cache, rules and a static message."""

from __future__ import annotations

import pytest
from tests.guard._helpers import request, response, scripted

from surefoot.core import CircuitOpen, DecisionStatus, FakeClock, ProviderUnavailable
from surefoot.guard import (
    Bulkhead,
    CachedAnswer,
    CircuitBreaker,
    Guard,
    StaticMessage,
    StopAfterAttempts,
    Upstream,
)


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    return FakeClock()


def test_second_upstream_serves_when_the_first_fails(clock: FakeClock) -> None:
    """The next upstream answers and the decision says fallback, served by it."""
    primary, _ = scripted(clock, ProviderUnavailable("down"), name="a")
    backup, _ = scripted(clock, "b says hi", name="b")
    guard = Guard([primary, backup], stop=StopAfterAttempts(1), clock=clock)
    result = guard.complete(request())
    assert result.decision.status is DecisionStatus.FALLBACK
    assert result.decision.served_by == "b"
    assert result.content == "b says hi"


def test_cache_then_static_message(clock: FakeClock) -> None:
    """A cache miss falls through to the static message."""
    primary, _ = scripted(clock, ProviderUnavailable("down"))
    guard = Guard(
        [primary],
        fallbacks=[CachedAnswer(lambda r: None), StaticMessage("try later")],
        stop=StopAfterAttempts(1),
        clock=clock,
    )
    result = guard.complete(request())
    assert result.content == "try later"
    assert result.decision.served_by == "static"
    assert "cache:no_answer" in result.decision.reasons


def test_plain_callable_fallback_and_broken_fallback(clock: FakeClock) -> None:
    """A raising fallback is skipped; a plain function is a rules fallback."""

    def broken(req: object) -> str:
        raise RuntimeError("cache down")

    def rules(req: object) -> str:
        return "rule answer"

    primary, _ = scripted(clock, ProviderUnavailable("down"))
    guard = Guard([primary], fallbacks=[broken, rules], stop=StopAfterAttempts(1), clock=clock)
    result = guard.complete(request())
    assert result.content == "rule answer"
    assert result.decision.served_by == "rules"


def test_open_circuit_skips_the_upstream_without_calling(clock: FakeClock) -> None:
    """An open breaker means no call and a circuit_open reason."""
    breaker = CircuitBreaker("a", min_calls=1, clock=clock)
    breaker.record_failure()
    primary, script = scripted(clock, "never", name="a")
    guard = Guard([Upstream(primary, breaker=breaker, name="a")], clock=clock)
    result = guard.complete(request())
    assert script.requests == []
    assert "a:circuit_open" in result.decision.reasons
    assert isinstance(result.error, CircuitOpen)


def test_full_bulkhead_falls_through(clock: FakeClock) -> None:
    """A bulkhead with no free slot rejects the call and the chain moves on."""
    bulkhead = Bulkhead(max_concurrent=1)
    assert bulkhead.acquire(0.0)
    primary, script = scripted(clock, "never", name="a")
    guard = Guard(
        [Upstream(primary, bulkhead=bulkhead, name="a")],
        fallbacks=[StaticMessage("busy")],
        clock=clock,
    )
    result = guard.complete(request())
    assert script.requests == []
    assert "a:bulkhead_full" in result.decision.reasons
    assert result.content == "busy"


def test_served_model_mismatch_is_a_reason(clock: FakeClock) -> None:
    """A response from another model than the pin is served but flagged."""
    primary, _ = scripted(clock, response("hi", model="m-2"), name="a")
    guard = Guard([Upstream(primary, model="m-1", name="a")], clock=clock)
    result = guard.complete(request())
    assert result.decision.status is DecisionStatus.SERVE
    assert "model_mismatch:expected=m-1:served=m-2" in result.decision.reasons


def test_nothing_left_refuses_with_the_last_error(clock: FakeClock) -> None:
    """Without fallbacks the request is refused, carrying the provider's error."""
    primary, _ = scripted(clock, ProviderUnavailable("down"))
    result = Guard([primary], stop=StopAfterAttempts(1), clock=clock).complete(request())
    assert result.decision.status is DecisionStatus.REFUSED
    assert "no_fallback_left" in result.decision.reasons
    assert not result.ok
