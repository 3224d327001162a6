"""Stop, retry and wait policies compose and behave as documented."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from surefoot.core import ContentFiltered, InvalidInput, ProviderTimeout, RateLimited
from surefoot.guard import (
    RetryIfException,
    RetryIfRetryable,
    RetryState,
    StopAfterAttempts,
    StopAfterDelay,
    WaitExponentialJitter,
)
from surefoot.guard._policies import never_retryable


def _state(attempt: int = 1, elapsed_s: float = 0.0, error: BaseException | None = None):
    return RetryState(attempt, elapsed_s, 10.0, error)


def test_or_stops_when_either_stops() -> None:
    """``a | b`` stops as soon as one condition holds."""
    stop = StopAfterAttempts(3) | StopAfterDelay(1.0)
    assert not stop(_state(2, 0.5))
    assert stop(_state(3, 0.5))
    assert stop(_state(1, 1.0))


def test_and_stops_only_when_both_stop() -> None:
    """``a & b`` stops only when both conditions hold."""
    stop = StopAfterAttempts(3) & StopAfterDelay(1.0)
    assert not stop(_state(3, 0.5))
    assert stop(_state(3, 1.0))


def test_plain_callables_compose_with_policy_objects() -> None:
    """A plain function combines with a policy object from either side."""
    stop = (lambda s: s.elapsed_s > 5) | StopAfterAttempts(10)
    assert stop(_state(1, 6.0))
    assert not stop(_state(1, 1.0))


def test_retryable_provider_errors_are_retried() -> None:
    """Timeouts and rate limits are retried by the default retry policy."""
    retry = RetryIfRetryable()
    assert retry(_state(error=ProviderTimeout("slow")))
    assert retry(_state(error=RateLimited("429")))


def test_content_filter_and_bad_input_are_never_retried() -> None:
    """Content refusals and invalid input are excluded whatever the retry policy says."""
    assert not RetryIfRetryable()(_state(error=ContentFiltered("no")))
    assert never_retryable(ContentFiltered("no"))
    assert never_retryable(InvalidInput("bad"))
    assert RetryIfException(ValueError)(_state(error=InvalidInput("bad")))


@given(
    attempt=st.integers(min_value=1, max_value=200),
    base=st.floats(min_value=0.001, max_value=5.0),
    cap=st.floats(min_value=0.001, max_value=60.0),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_full_jitter_stays_within_its_window(
    attempt: int, base: float, cap: float, seed: int
) -> None:
    """Every jittered wait lies in ``[0, min(cap, base * 2**(n-1))]``."""
    wait = WaitExponentialJitter(base_s=base, cap_s=cap, seed=seed)
    value = wait(_state(attempt))
    assert 0.0 <= value <= min(cap, base * 2.0 ** min(attempt - 1, 60))


def test_jitter_is_reproducible_with_a_seed() -> None:
    """Two waits seeded alike produce the same sequence."""
    first = WaitExponentialJitter(seed=3)
    second = WaitExponentialJitter(seed=3)
    assert [first(_state(n)) for n in range(1, 8)] == [second(_state(n)) for n in range(1, 8)]


def test_jitter_spreads_over_the_whole_window() -> None:
    """Full jitter uses the whole window, not just its upper half."""
    wait = WaitExponentialJitter(base_s=1.0, cap_s=1.0, seed=1)
    values = [wait(_state(1)) for _ in range(500)]
    assert min(values) < 0.1
    assert max(values) > 0.9
