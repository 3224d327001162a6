"""The drivers: thin sync and async loops that carry out the decision core's actions.

Everything that waits lives here (calls, sleeps, bulkhead slots); everything that decides lives
in :mod:`surefoot.guard._decide`. The two loops are twins line for line.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, Any, TypeVar

from surefoot.core.errors import ProviderError, ProviderTimeout, SurefootError
from surefoot.guard import _trace
from surefoot.guard._result import AttemptOutcome, DoAttempt, DoSleep, Finish

if TYPE_CHECKING:
    from surefoot.core._clock import Clock
    from surefoot.guard._config import Lane
    from surefoot.guard._decide import Run
    from surefoot.guard._result import DoFallback

__all__ = ["arun", "ask_fallback", "attempt_attributes", "run", "within", "wrap_foreign"]

_log = logging.getLogger("surefoot.guard")
_T = TypeVar("_T")
Attributes = dict[str, Any] | None  # for the attempt's llm span; None when untraced


def run(core: Run, clock: Clock, traced: bool) -> Finish:
    """Carry out ``core``'s actions until it finishes; ``traced``: attempts are recorded."""
    action = core.begin()
    while not isinstance(action, Finish):
        if isinstance(action, DoAttempt):
            action = core.after_attempt(action, attempt(action, clock, traced))
        elif isinstance(action, DoSleep):
            clock.sleep(action.seconds)
            action = core.after_sleep()
        else:
            action = core.after_fallback(action, ask_fallback(action))
    return action


async def arun(core: Run, clock: Clock, traced: bool) -> Finish:
    """Async twin of :func:`run`."""
    action = core.begin()
    while not isinstance(action, Finish):
        if isinstance(action, DoAttempt):
            action = core.after_attempt(action, await aattempt(action, clock, traced))
        elif isinstance(action, DoSleep):
            await clock.asleep(action.seconds)
            action = core.after_sleep()
        else:
            action = core.after_fallback(action, ask_fallback(action))
    return action


def attempt(action: DoAttempt, clock: Clock, traced: bool) -> AttemptOutcome:
    """Make one call inside the upstream's bulkhead (recorded on its ``llm`` span when
    ``traced``)."""
    lane = action.lane
    started_s = clock.monotonic()
    if not lane.bulkhead.acquire(action.timeout_s):
        return AttemptOutcome(clock.monotonic() - started_s, rejected="bulkhead_full")
    try:
        attributes = attempt_attributes(action) if traced else None
        response, pin = lane.provider.complete_checked(action.request, attributes=attributes)
    except Exception as exc:  # the boundary to provider code: every failure is an outcome
        return AttemptOutcome(clock.monotonic() - started_s, error=wrap_foreign(exc, lane))
    finally:
        lane.bulkhead.release()
    # Positional: this runs on every answered call, and keywords cost a third more.
    return AttemptOutcome(clock.monotonic() - started_s, response, None, None, False, pin)


async def aattempt(action: DoAttempt, clock: Clock, traced: bool) -> AttemptOutcome:
    """Async twin of :func:`attempt`; the timeout is enforced here too, not only by the provider."""
    lane = action.lane
    started_s = clock.monotonic()
    if not await lane.bulkhead.aacquire(action.timeout_s):
        return AttemptOutcome(clock.monotonic() - started_s, rejected="bulkhead_full")
    call = _ainline if lane.provider.cancels_promptly else _atask
    attributes = attempt_attributes(action) if traced else None
    return await call(lane, action, clock, started_s, attributes)


def attempt_attributes(action: DoAttempt) -> dict[str, Any]:
    """What the attempt adds to its ``llm`` span (ask only while spans record)."""
    return _trace.attempt_attributes(action.lane.name, action.number, action.timeout_s)


async def _ainline(
    lane: Lane, action: DoAttempt, clock: Clock, started_s: float, attributes: Attributes
) -> AttemptOutcome:
    # A provider that unwinds at once when cancelled (httpcore closes its connection in a turn)
    # is awaited in the caller's task under a timer that cancels it, as asyncio.timeout does:
    # no task and no extra event loop turns, about 80 us of a gateway request's CPU.
    try:
        async with asyncio.timeout(action.timeout_s):
            response, pin = await lane.provider.acomplete_checked(
                action.request, attributes=attributes
            )
    except Exception as exc:  # the boundary to provider code: every failure is an outcome
        return _failed(exc, lane, action, clock, started_s)
    finally:
        lane.bulkhead.arelease()
    return AttemptOutcome(clock.monotonic() - started_s, response, None, None, False, pin)


async def _atask(
    lane: Lane, action: DoAttempt, clock: Clock, started_s: float, attributes: Attributes
) -> AttemptOutcome:
    # Any other provider runs in its own task, so one whose cancellation unwinds slowly (user
    # code, a handler that shields its cleanup) cannot hold the request past its deadline.
    call = asyncio.ensure_future(
        lane.provider.acomplete_checked(action.request, attributes=attributes)
    )
    call.add_done_callback(functools.partial(_call_ended, lane))
    try:
        response, pin = await within(call, action.timeout_s)
    except Exception as exc:  # the boundary to provider code: every failure is an outcome
        return _failed(exc, lane, action, clock, started_s)
    return AttemptOutcome(clock.monotonic() - started_s, response, None, None, False, pin)


def _failed(
    exc: Exception, lane: Lane, action: DoAttempt, clock: Clock, started_s: float
) -> AttemptOutcome:
    error = wrap_foreign(exc, lane, timeout_s=action.timeout_s)
    return AttemptOutcome(clock.monotonic() - started_s, error=error)


async def within(call: asyncio.Future[_T], timeout_s: float) -> _T:
    """``call``'s result, or ``TimeoutError`` after ``timeout_s``.

    Unlike :func:`asyncio.wait_for`, a timed-out call is cancelled but not waited for: its
    cleanup (httpx closing the connection) takes several event loop turns, and on a busy loop
    those turns would push the answer past the request's deadline.
    """
    try:
        await asyncio.wait((call,), timeout=timeout_s)
    except asyncio.CancelledError:
        call.cancel()  # the caller gave up on the request: give up on the call too
        raise
    if not call.done():
        # The message reaches the call's own span, which records the cancellation.
        call.cancel(f"no answer within {timeout_s:.3f}s")
        raise TimeoutError
    return call.result()


def _call_ended(lane: Lane, call: asyncio.Future[object]) -> None:
    # The bulkhead slot is held until the call really ends, even one the guard stopped waiting
    # for, so abandoned calls still count against the upstream's concurrency.
    lane.bulkhead.arelease()
    if not call.cancelled():
        call.exception()  # retrieved: an abandoned call's late failure is not worth a warning


def wrap_foreign(exc: Exception, lane: Lane, *, timeout_s: float = 0.0) -> SurefootError:
    """Our errors pass through; a timeout or a foreign error becomes a :class:`ProviderError`."""
    if isinstance(exc, SurefootError):
        return exc
    if isinstance(exc, TimeoutError):
        error: SurefootError = ProviderTimeout(
            f"upstream {lane.name!r} did not answer within {timeout_s:.3f}s", provider=lane.name
        )
    else:
        # Not retryable: an unexpected exception from a provider is a bug, not a transient fault.
        error = ProviderError(f"upstream {lane.name!r} raised {exc!r}", provider=lane.name)
    error.__cause__ = exc
    return error


def ask_fallback(action: DoFallback) -> str | None:
    """Ask a non-model fallback; one that raises counts as having no answer."""
    try:
        return action.fallback(action.request)
    except Exception:  # a broken fallback must not turn a degraded answer into an exception
        _log.exception("fallback %r failed", action.fallback.name)
        return None
