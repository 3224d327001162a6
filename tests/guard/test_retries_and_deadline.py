"""Retries honour the retry policy, Retry-After, the retry budget and one total deadline."""

from __future__ import annotations

import pytest
from tests.guard._helpers import request, scripted

from surefoot.core import (
    ContentFiltered,
    DecisionStatus,
    FakeClock,
    InvalidInput,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
)
from surefoot.guard import (
    Guard,
    RetryBudget,
    StopAfterAttempts,
    Upstream,
    WaitExponentialJitter,
    WaitFixed,
)


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    return FakeClock(start_s=1000.0)


def test_retries_a_transient_error_then_serves(clock: FakeClock) -> None:
    """A 503 followed by an answer is served after one jittered wait."""
    provider, _ = scripted(clock, ProviderUnavailable("503"), "fine")
    wait = WaitExponentialJitter(base_s=0.1, cap_s=1.0, seed=1)
    result = Guard([provider], wait=wait, clock=clock).complete(request())
    assert result.decision.status is DecisionStatus.SERVE
    assert result.content == "fine"
    assert [a.outcome for a in result.attempts] == ["error", "ok"]
    assert len(clock.slept) == 1 and 0.0 <= clock.slept[0] <= 0.1


def test_waits_at_least_the_retry_after(clock: FakeClock) -> None:
    """A 429's Retry-After raises the backoff to at least its value."""
    provider, _ = scripted(clock, RateLimited("429", retry_after_s=2.0), "ok")
    guard = Guard([provider], wait=WaitFixed(0.1), deadline_s=10.0, clock=clock)
    assert guard.complete(request()).content == "ok"
    assert clock.slept == [2.0]


def test_retry_after_past_the_deadline_falls_back_without_sleeping(clock: FakeClock) -> None:
    """A Retry-After longer than the time left moves on at once instead of sleeping."""
    primary, _ = scripted(clock, RateLimited("429", retry_after_s=30.0), name="a")
    backup, _ = scripted(clock, "from b", name="b")
    result = Guard([primary, backup], deadline_s=5.0, clock=clock).complete(request())
    assert clock.slept == []
    assert result.content == "from b"
    assert result.decision.status is DecisionStatus.FALLBACK
    assert "a:retry_after_exceeds_deadline" in result.decision.reasons


def test_attempt_timeout_is_capped_by_the_remaining_deadline(clock: FakeClock) -> None:
    """Each attempt gets min(per-attempt timeout, time left before the deadline)."""
    provider, script = scripted(clock, ProviderTimeout("slow"), latency_s=0.6)
    upstream = Upstream(provider, timeout_s=0.6)
    guard = Guard([upstream], deadline_s=1.0, wait=WaitFixed(0.0), clock=clock)
    result = guard.complete(request())
    timeouts = [r.timeout_s for r in script.requests]
    assert timeouts[0] == pytest.approx(0.6)
    assert timeouts[1] == pytest.approx(0.4)
    assert result.decision.status is DecisionStatus.REFUSED
    assert clock.monotonic() - 1000.0 <= 1.0 + 1e-9


def test_content_filter_is_not_retried(clock: FakeClock) -> None:
    """A content refusal goes straight to the next upstream."""
    primary, script = scripted(clock, ContentFiltered("no"), name="a")
    backup, _ = scripted(clock, "ok", name="b")
    result = Guard([primary, backup], clock=clock).complete(request())
    assert len(script.requests) == 1
    assert "a:ContentFiltered:not_retried" in result.decision.reasons


def test_invalid_input_is_refused_at_once(clock: FakeClock) -> None:
    """Bad input ends the request: no retry and no fallback can fix it."""
    primary, _ = scripted(clock, InvalidInput("bad request"), name="a")
    backup, script = scripted(clock, "ok", name="b")
    result = Guard([primary, backup], clock=clock).complete(request())
    assert result.decision.status is DecisionStatus.REFUSED
    assert isinstance(result.error, InvalidInput)
    assert script.requests == []


def test_stops_after_the_configured_attempts(clock: FakeClock) -> None:
    """StopAfterAttempts(2) makes two attempts and then gives up on the upstream."""
    provider, script = scripted(clock, ProviderUnavailable("503"))
    guard = Guard([provider], stop=StopAfterAttempts(2), wait=WaitFixed(0.01), clock=clock)
    result = guard.complete(request())
    assert len(script.requests) == 2
    assert any("stopped_after_2_attempts" in r for r in result.decision.reasons)


def test_exhausted_retry_budget_means_no_retry(clock: FakeClock) -> None:
    """With no retry tokens left, the first failure falls through with a reason."""
    budget = RetryBudget(ratio=0.0, min_retries_per_s=0.0, burst=0.0, clock=clock)
    provider, script = scripted(clock, ProviderUnavailable("503"))
    guard = Guard([Upstream(provider, retry_budget=budget)], clock=clock)
    result = guard.complete(request())
    assert len(script.requests) == 1
    assert any(r.endswith("retry_budget_exhausted") for r in result.decision.reasons)


def test_refusal_raises_only_when_asked(clock: FakeClock) -> None:
    """raise_on_refusal turns a refused decision into its specific error."""
    provider, _ = scripted(clock, ProviderUnavailable("503"))
    quiet = Guard([provider], wait=WaitFixed(0.0), clock=clock).complete(request())
    assert quiet.decision.status is DecisionStatus.REFUSED
    assert isinstance(quiet.error, ProviderUnavailable)
    loud = Guard([provider], wait=WaitFixed(0.0), raise_on_refusal=True, clock=clock)
    with pytest.raises(ProviderUnavailable):
        loud.complete(request())
