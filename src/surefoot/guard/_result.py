"""What a guarded call returns, and the actions the decision core hands to the drivers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from surefoot.core._records import Decision, DecisionStatus

if TYPE_CHECKING:
    from surefoot.core.errors import SurefootError
    from surefoot.guard._config import Fallback, Lane
    from surefoot.providers import ChatRequest, ChatResponse, PinCheck

__all__ = [
    "Action",
    "AttemptOutcome",
    "AttemptRecord",
    "DoAttempt",
    "DoFallback",
    "DoSleep",
    "Finish",
    "GuardResult",
]


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One call made (or refused at the door) for a request.

    Args:
        upstream: the upstream's name.
        number: the attempt's position in the request, from 1.
        outcome: ``ok``, ``error``, ``rejected`` (bulkhead full, no call made).
        duration_s: how long the attempt took.
        timeout_s: the timeout it was given (per-attempt timeout capped by the deadline).
        error: the error's class name, when it failed.
        served_model: the model the provider said served it.
        reask: whether this attempt was a reask after failed validation.
    """

    upstream: str
    number: int
    outcome: str
    duration_s: float
    timeout_s: float
    error: str | None = None
    served_model: str | None = None
    reask: bool = False


@dataclass(frozen=True, slots=True)
class GuardResult:
    """The outcome of one guarded request: always a decision, sometimes an answer.

    Args:
        decision: what the guard decided and why.
        response: the model response that was served or judged, when there was one.
        content: the text to show: the answer, a fallback's text, or ``""`` when refused or
            escalated. A ``serve_with_caveat`` decision carries its caveat separately.
        attempts: every attempt made, in order.
        trace_id: the trace of the request.
        error: why the request was refused or escalated, when an error says it best.
    """

    decision: Decision
    response: ChatResponse | None
    content: str
    attempts: list[AttemptRecord] = field(default_factory=list)
    trace_id: str | None = None
    error: SurefootError | None = None

    @property
    def ok(self) -> bool:
        """Whether something was served (by a model or a fallback)."""
        return self.decision.status in (
            DecisionStatus.SERVE,
            DecisionStatus.SERVE_WITH_CAVEAT,
            DecisionStatus.FALLBACK,
        )

    def reraise(self) -> None:
        """Raise :attr:`error` if there is one; for callers that prefer exceptions."""
        if self.error is not None:
            raise self.error


@dataclass(slots=True)  # built on every request: a frozen init costs three times more
class DoAttempt:
    """Call ``lane`` with ``request``, giving up after ``timeout_s``."""

    lane: Lane
    request: ChatRequest
    timeout_s: float
    number: int


@dataclass(frozen=True, slots=True)
class DoSleep:
    """Wait ``seconds`` before the next attempt."""

    seconds: float


@dataclass(frozen=True, slots=True)
class DoFallback:
    """Ask a non-model fallback for an answer."""

    fallback: Fallback
    request: ChatRequest


@dataclass(slots=True)  # built on every request: a frozen init costs three times more
class Finish:
    """The request is decided; ``escalate`` asks the driver to hand it to the escalation sink."""

    decision: Decision
    content: str
    response: ChatResponse | None = None
    error: SurefootError | None = None
    escalate: bool = False


Action = DoAttempt | DoSleep | DoFallback | Finish


@dataclass(slots=True)  # built on every request: a frozen init costs three times more
class AttemptOutcome:
    """What the driver saw when it carried out a :class:`DoAttempt`.

    Exactly one of ``response``, ``error`` and ``rejected`` is set. ``after_first_token`` marks
    a stream that failed after the caller already received text. ``pin`` is the provider's own
    served-model check of ``response``, when the driver got one; the core checks it otherwise.
    """

    duration_s: float
    response: ChatResponse | None = None
    error: BaseException | None = None
    rejected: str | None = None
    after_first_token: bool = False
    pin: PinCheck | None = None
