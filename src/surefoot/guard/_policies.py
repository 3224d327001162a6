"""Retry, stop and wait policies: small pure callables that combine with ``|`` and ``&``.

The guard asks three questions after a failed attempt, each answered by a policy:
should this error be retried (``retry``), have we tried long enough (``stop``), and how long to
wait before the next attempt (``wait``). Plain callables are accepted wherever a policy object is.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from surefoot.core.errors import ContentFiltered, InvalidInput, ProviderError

__all__ = [
    "RetryAll",
    "RetryAny",
    "RetryBase",
    "RetryIfException",
    "RetryIfRetryable",
    "RetryPolicy",
    "RetryState",
    "StopAfterAttempts",
    "StopAfterDelay",
    "StopAll",
    "StopAny",
    "StopBase",
    "StopNever",
    "StopPolicy",
    "WaitExponentialJitter",
    "WaitFixed",
    "WaitPolicy",
    "never_retryable",
]


@dataclass(frozen=True, slots=True)
class RetryState:
    """What the policies see after a failed attempt on one upstream.

    Args:
        attempt_number: attempts made on this upstream so far, starting at 1.
        elapsed_s: seconds since the request started.
        remaining_s: seconds left before the request's deadline.
        error: the error the attempt ended with.
    """

    attempt_number: int
    elapsed_s: float
    remaining_s: float
    error: BaseException | None


class StopBase:
    """A stop condition; ``a | b`` stops when either does, ``a & b`` when both do."""

    def __call__(self, state: RetryState) -> bool:
        raise NotImplementedError

    def __or__(self, other: StopPolicy) -> StopAny:
        return StopAny(self, other)

    def __ror__(self, other: StopPolicy) -> StopAny:
        return StopAny(other, self)

    def __and__(self, other: StopPolicy) -> StopAll:
        return StopAll(self, other)

    def __rand__(self, other: StopPolicy) -> StopAll:
        return StopAll(other, self)


StopPolicy = StopBase | Callable[[RetryState], bool]
"""A stop condition object or any callable taking a :class:`RetryState` and returning a bool."""


class StopAny(StopBase):
    """Stop when any of the conditions says stop."""

    def __init__(self, *stops: StopPolicy) -> None:
        self.stops = stops

    def __call__(self, state: RetryState) -> bool:
        return any(stop(state) for stop in self.stops)


class StopAll(StopBase):
    """Stop only when every condition says stop."""

    def __init__(self, *stops: StopPolicy) -> None:
        self.stops = stops

    def __call__(self, state: RetryState) -> bool:
        return all(stop(state) for stop in self.stops)


class StopAfterAttempts(StopBase):
    """Stop once ``max_attempts`` attempts were made on the upstream."""

    def __init__(self, max_attempts: int) -> None:
        self.max_attempts = max_attempts

    def __call__(self, state: RetryState) -> bool:
        return state.attempt_number >= self.max_attempts


class StopAfterDelay(StopBase):
    """Stop once ``delay_s`` seconds passed since the request started."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s

    def __call__(self, state: RetryState) -> bool:
        return state.elapsed_s >= self.delay_s


class StopNever(StopBase):
    """Never stop on this account; the deadline and the retry budget still apply."""

    def __call__(self, state: RetryState) -> bool:
        return False


def never_retryable(error: BaseException | None) -> bool:
    """Whether ``error`` must never be retried, whatever the retry policy says.

    A refusal for content reasons or a bad request gives the same answer every time; retrying
    only burns budget.
    """
    return isinstance(error, ContentFiltered | InvalidInput)


class RetryBase:
    """A retry condition; ``a | b`` retries when either does, ``a & b`` when both do."""

    def __call__(self, state: RetryState) -> bool:
        raise NotImplementedError

    def __or__(self, other: RetryPolicy) -> RetryAny:
        return RetryAny(self, other)

    def __ror__(self, other: RetryPolicy) -> RetryAny:
        return RetryAny(other, self)

    def __and__(self, other: RetryPolicy) -> RetryAll:
        return RetryAll(self, other)

    def __rand__(self, other: RetryPolicy) -> RetryAll:
        return RetryAll(other, self)


RetryPolicy = RetryBase | Callable[[RetryState], bool]
"""A retry condition object or any callable taking a :class:`RetryState` and returning a bool."""


class RetryAny(RetryBase):
    """Retry when any of the conditions says retry."""

    def __init__(self, *retries: RetryPolicy) -> None:
        self.retries = retries

    def __call__(self, state: RetryState) -> bool:
        return any(retry(state) for retry in self.retries)


class RetryAll(RetryBase):
    """Retry only when every condition says retry."""

    def __init__(self, *retries: RetryPolicy) -> None:
        self.retries = retries

    def __call__(self, state: RetryState) -> bool:
        return all(retry(state) for retry in self.retries)


class RetryIfRetryable(RetryBase):
    """Retry provider errors that declare themselves ``retryable`` (timeouts, 429, 5xx, garbage)."""

    def __call__(self, state: RetryState) -> bool:
        return isinstance(state.error, ProviderError) and state.error.retryable


class RetryIfException(RetryBase):
    """Retry when the error is an instance of one of ``types``."""

    def __init__(self, *types: type[BaseException]) -> None:
        self.types = types

    def __call__(self, state: RetryState) -> bool:
        return isinstance(state.error, self.types)


WaitPolicy = Callable[[RetryState], float]
"""Seconds to wait before the next attempt, given the failed attempt's state."""


class WaitFixed:
    """Wait the same ``wait_s`` every time."""

    def __init__(self, wait_s: float) -> None:
        self.wait_s = wait_s

    def __call__(self, state: RetryState) -> float:
        return self.wait_s


class WaitExponentialJitter:
    """Exponential backoff with full jitter: ``uniform(0, min(cap_s, base_s * 2**(n-1)))``.

    Full jitter spreads retries of many clients evenly over the window, which decorrelates them
    better than equal or decorrelated jitter at the same mean wait.

    Args:
        base_s: the window after the first failure.
        cap_s: the largest window.
        seed: seeds the private random generator, for reproducible waits.

    Examples:
        >>> wait = WaitExponentialJitter(base_s=0.1, cap_s=1.0, seed=7)
        >>> state = RetryState(attempt_number=3, elapsed_s=0.0, remaining_s=9.0, error=None)
        >>> 0.0 <= wait(state) <= 0.4
        True
    """

    def __init__(self, base_s: float = 0.05, cap_s: float = 2.0, seed: int | None = None) -> None:
        self.base_s = base_s
        self.cap_s = cap_s
        self.seed = seed
        self._rng = random.Random(seed)

    def window_s(self, attempt_number: int) -> float:
        """The upper bound of the jittered wait after ``attempt_number`` failed attempts."""
        # Cap the exponent so that 2**n never overflows a float on long-running retries.
        exponent = min(max(attempt_number - 1, 0), 60)
        return min(self.cap_s, self.base_s * 2.0**exponent)

    def __call__(self, state: RetryState) -> float:
        return self._rng.uniform(0.0, self.window_s(state.attempt_number))
