"""Embeddings through a guard's upstreams: deadline, retries, breakers, bulkheads and fallbacks.

The guard's own pipeline is built around chat (validation, confidence, routing); an embedding
has no answer to judge, so this driver applies only the guard's protections: the alias's upstreams
in order (its own, then its fallbacks'), each behind its circuit breaker and bulkhead, up to the
guard's ``max_attempts`` per upstream with jittered exponential waits (a provider's Retry-After
is honoured), all inside the guard's deadline. An upstream answering from another model than
its pin does not serve (vectors of different models do not mix in one index): the next upstream
is asked instead, and the decision says ``fallback``. A client error (400 from upstream, or
:class:`~surefoot.core.errors.InvalidInput`) is answered at once: another upstream would refuse
it too.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from surefoot import tracing
from surefoot.core import Decision, DecisionStatus, SpanKind
from surefoot.core.errors import (
    BulkheadFull,
    CircuitOpen,
    ContentFiltered,
    DeadlineExceeded,
    InvalidInput,
    MalformedResponse,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    SurefootError,
)
from surefoot.guard import StopAfterAttempts
from surefoot.providers import check_served

if TYPE_CHECKING:
    from surefoot.core import Clock
    from surefoot.guard import Guard, Lane
    from surefoot.providers import EmbeddingRequest, EmbeddingResponse

__all__ = ["EmbedOutcome", "PinMismatch", "aembed"]

_RETRYABLE = (ProviderTimeout, ProviderUnavailable, RateLimited, MalformedResponse)
_FINAL = (InvalidInput, ContentFiltered)  # the request itself is at fault: no upstream helps
_BASE_WAIT_S = 0.05
_MAX_WAIT_S = 2.0


class PinMismatch(MalformedResponse):
    """The upstream answered from another model than its pin."""


@dataclass(frozen=True, slots=True)
class EmbedOutcome:
    """What the driver ended with: a response and the upstream that served it, or the error."""

    response: EmbeddingResponse | None
    served_by: str | None
    error: SurefootError | None
    attempts: int
    # Why it took more than one call, in order (``<upstream>:<ErrorType>``), as a chat decision's.
    reasons: tuple[str, ...] = ()
    # ``serve`` from the alias's own upstream, ``fallback`` from a later one, else ``refused``.
    status: DecisionStatus = DecisionStatus.REFUSED
    trace_id: str | None = None


async def aembed(guard: Guard, request: EmbeddingRequest) -> EmbedOutcome:
    """Embed ``request`` through ``guard``'s upstreams under its deadline; never raises for
    provider failures (they come back in :attr:`EmbedOutcome.error`).

    The request is one trace, as a chat request is: a ``guard`` span named after the guard with
    the texts as its input, every attempt's ``embedding`` span under it, and the decision
    (``serve``, ``fallback`` or ``refused``) recorded on it.
    """
    with tracing.span(guard.name, kind=SpanKind.GUARD, input=request.input) as span:
        outcome = await _drive(guard, request)
        if not span.is_recording:
            return outcome
        served_by = outcome.served_by if outcome.response is not None else None
        decision = Decision(outcome.status, reasons=outcome.reasons, served_by=served_by)
        tracing.record_decision(span, decision)
        if outcome.response is not None:
            span.set_output({"vectors": len(outcome.response.vectors)})
        return dataclasses.replace(outcome, trace_id=span.trace_id)


async def _drive(guard: Guard, request: EmbeddingRequest) -> EmbedOutcome:
    config, clock = guard.config, guard.clock
    deadline = clock.monotonic() + config.deadline_s
    stop = config.stop
    per_lane = stop.max_attempts if isinstance(stop, StopAfterAttempts) else 1
    error: SurefootError | None = None
    attempts = 0
    reasons: list[str] = []
    for index, lane in enumerate(config.lanes):
        for attempt in range(per_lane):
            remaining = deadline - clock.monotonic()
            if remaining <= config.min_attempt_s:
                reasons.append("deadline_exhausted")
                error = DeadlineExceeded(_out_of_time(config))
                return EmbedOutcome(None, None, error, attempts, tuple(reasons))
            attempts += 1
            try:
                response = await _attempt(lane, request, remaining, clock)
            except _FINAL as exc:
                reasons.append(f"{lane.name}:{type(exc).__name__}")
                return EmbedOutcome(None, lane.name, exc, attempts, tuple(reasons))
            except (CircuitOpen, PinMismatch) as exc:
                reasons.append(f"{lane.name}:{type(exc).__name__}")
                error = exc
                break  # resting, or serving the wrong model: its fallbacks answer
            except ProviderError as exc:
                reasons.append(f"{lane.name}:{type(exc).__name__}")
                error = exc
                if not isinstance(exc, _RETRYABLE) or attempt + 1 == per_lane:
                    break
                await clock.asleep(min(_wait_s(exc, attempt), max(deadline - clock.monotonic(), 0)))
                continue
            status = DecisionStatus.SERVE if index == 0 else DecisionStatus.FALLBACK
            return EmbedOutcome(response, lane.name, None, attempts, tuple(reasons), status)
    error = error or ProviderUnavailable("no upstream is configured")
    return EmbedOutcome(None, None, error, attempts, tuple(reasons))


async def _attempt(
    lane: Lane, request: EmbeddingRequest, remaining_s: float, clock: Clock
) -> EmbeddingResponse:
    if not lane.breaker.allow():
        raise CircuitOpen(
            f"upstream {lane.name} is failing and rests for {lane.breaker.retry_in_s:.1f} s"
        )
    if not await lane.bulkhead.aacquire(remaining_s):
        lane.breaker.release()
        raise BulkheadFull(
            f"upstream {lane.name} already has {lane.bulkhead.max_concurrent} calls in flight, "
            "its bulkhead's limit"
        )
    timeout_s = min(lane.timeout_s, remaining_s)
    call = dataclasses.replace(
        request,
        model=lane.ref.model if lane.ref is not None else request.model,
        pin=lane.ref,
        timeout_s=timeout_s,
    )
    start = clock.monotonic()
    try:
        response = await asyncio.wait_for(lane.provider.aembed(call), timeout_s)
    except TimeoutError as exc:
        lane.breaker.record_failure(clock.monotonic() - start)
        if isinstance(exc, ProviderTimeout):
            raise
        raise ProviderTimeout(f"upstream {lane.name} did not answer in {timeout_s:.2f} s") from exc
    except _FINAL:
        lane.breaker.record_success(clock.monotonic() - start)  # the upstream is healthy
        raise
    except ProviderError:
        lane.breaker.record_failure(clock.monotonic() - start)
        raise
    finally:
        lane.bulkhead.arelease()
    lane.breaker.record_success(clock.monotonic() - start)
    if lane.ref is not None:
        check = check_served(lane.ref, response.model)
        if not check.matches:
            raise PinMismatch(
                f"upstream {lane.name} served {check.served_model}, not the pinned {check.expected}"
            )
    return response


def _wait_s(error: ProviderError, attempt: int) -> float:
    retry_after = getattr(error, "retry_after_s", None)
    if isinstance(retry_after, int | float) and retry_after > 0:
        return float(retry_after)
    # Full jitter: replicas retrying one upstream spread out instead of arriving together.
    return random.uniform(0, min(_MAX_WAIT_S, _BASE_WAIT_S * 2**attempt))


def _out_of_time(config: object) -> str:
    deadline_s = getattr(config, "deadline_s", 0.0)
    return f"the {deadline_s:g} s deadline passed before an upstream answered the embeddings"
