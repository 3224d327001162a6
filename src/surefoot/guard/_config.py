"""Guard configuration: upstreams, non-model fallbacks, and the resolved per-upstream lanes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from surefoot.core._records import Decision, DecisionStatus
from surefoot.guard._breaker import CircuitBreaker
from surefoot.guard._budget_retry import RetryBudget
from surefoot.guard._bulkhead import Bulkhead
from surefoot.guard._policies import (
    RetryIfRetryable,
    RetryPolicy,
    StopAfterAttempts,
    StopPolicy,
    WaitExponentialJitter,
    WaitPolicy,
)
from surefoot.guard._routing import RoutingPolicy
from surefoot.providers import ModelRef

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from surefoot.core._clock import Clock
    from surefoot.guard._confidence import Scorer
    from surefoot.guard._context import ContextBudget
    from surefoot.guard._cost import CostBudget, PriceFn
    from surefoot.guard._onfail import ValidationPolicy
    from surefoot.providers import ChatRequest, Provider

__all__ = [
    "CachedAnswer",
    "Fallback",
    "GuardConfig",
    "Lane",
    "RulesDefault",
    "StaticMessage",
    "Upstream",
]


@dataclass(frozen=True, slots=True)
class Upstream:
    """One model upstream: a provider, the pinned model it must serve, and its protections.

    Args:
        provider: the client that makes the call.
        model: the pinned model (``ModelRef`` or its text form); ``None`` keeps the request's.
        timeout_s: the per-attempt timeout; the request's remaining deadline shortens it.
        name: how reasons and traces name this upstream (default: provider name and model).
        breaker: its circuit breaker (default: a new :class:`CircuitBreaker` per upstream).
        bulkhead: its concurrency cap (default: 64 concurrent calls, no waiting).
        retry_budget: its retry budget (default: :class:`RetryBudget` defaults); share one
            instance between guards that call the same upstream.
        price: ``price(model) -> (usd per input token, usd per output token)`` for cost budgets.
    """

    provider: Provider
    model: str | ModelRef | None = None
    timeout_s: float = 10.0
    name: str | None = None
    breaker: CircuitBreaker | None = None
    bulkhead: Bulkhead | None = None
    retry_budget: RetryBudget | None = None
    price: PriceFn | None = None


@dataclass(frozen=True, slots=True)
class Lane:
    """An :class:`Upstream` with every default resolved; what the decision core works with."""

    name: str
    provider: Provider
    ref: ModelRef | None
    timeout_s: float
    breaker: CircuitBreaker
    bulkhead: Bulkhead
    retry_budget: RetryBudget
    price: PriceFn | None

    @classmethod
    def resolve(cls, upstream: Upstream, clock: Clock) -> Lane:
        """Fill the defaults of ``upstream``."""
        ref = upstream.model
        if isinstance(ref, str):
            ref = ModelRef.parse(ref, allow_floating=True)
        name = upstream.name or (
            f"{upstream.provider.name}:{ref.model}" if ref else upstream.provider.name
        )
        return cls(
            name=name,
            provider=upstream.provider,
            ref=ref,
            timeout_s=upstream.timeout_s,
            breaker=upstream.breaker or CircuitBreaker(name, clock=clock),
            bulkhead=upstream.bulkhead or Bulkhead(max_concurrent=64),
            retry_budget=upstream.retry_budget or RetryBudget(clock=clock),
            price=upstream.price,
        )


@runtime_checkable
class Fallback(Protocol):
    """A non-model answer: returns text, or ``None`` when it has nothing for this request."""

    name: str

    def __call__(self, request: ChatRequest, /) -> str | None: ...


class CachedAnswer:
    """A previously served answer, found by ``lookup(request)`` (``None`` on a miss)."""

    def __init__(self, lookup: Callable[[ChatRequest], str | None], name: str = "cache") -> None:
        self.lookup = lookup
        self.name = name

    def __call__(self, request: ChatRequest) -> str | None:
        return self.lookup(request)


class RulesDefault:
    """A rules-based answer from ``rule(request)`` (``None`` when no rule applies)."""

    def __init__(self, rule: Callable[[ChatRequest], str | None], name: str = "rules") -> None:
        self.rule = rule
        self.name = name

    def __call__(self, request: ChatRequest) -> str | None:
        return self.rule(request)


class StaticMessage:
    """The same text every time: the last resort that always answers."""

    def __init__(self, text: str, name: str = "static") -> None:
        self.text = text
        self.name = name

    def __call__(self, request: ChatRequest) -> str | None:
        return self.text


@dataclass(frozen=True, slots=True)
class GuardConfig:
    """Everything the decision core needs, resolved once by the guard.

    ``judged``, ``served`` and ``logprobs_needed`` are derived at construction, for the
    decision core's common path: whether answers are validated or scored at all, per lane the
    decision an answer served by it gets when nothing else happened (no reasons, no score), and
    how many log-probability alternatives the scorers need (``None``: no scorer reads them).
    """

    lanes: tuple[Lane, ...]
    fallbacks: tuple[Fallback, ...] = ()
    deadline_s: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryIfRetryable)
    stop: StopPolicy = field(default_factory=lambda: StopAfterAttempts(3))
    wait: WaitPolicy = field(default_factory=WaitExponentialJitter)
    validation: Sequence[ValidationPolicy] = ()
    scorers: Sequence[tuple[float, Scorer]] = ()
    routing: RoutingPolicy = field(default_factory=RoutingPolicy)
    context: ContextBudget | None = None
    cost: CostBudget | None = None
    default_max_tokens: int = 4096
    min_attempt_s: float = 0.005
    judged: bool = field(init=False)
    served: tuple[Decision, ...] = field(init=False, repr=False)
    logprobs_needed: int | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Frozen: derived fields are set the way the dataclass's own __init__ sets fields.
        object.__setattr__(self, "judged", bool(self.validation or self.scorers))
        needed = [getattr(scorer, "logprobs_needed", None) for _, scorer in self.scorers]
        numbers = [n for n in needed if isinstance(n, int)]
        object.__setattr__(self, "logprobs_needed", max(numbers) if numbers else None)
        served = tuple(
            Decision(DecisionStatus.FALLBACK if i else DecisionStatus.SERVE, served_by=lane.name)
            for i, lane in enumerate(self.lanes)
        )
        object.__setattr__(self, "served", served)
