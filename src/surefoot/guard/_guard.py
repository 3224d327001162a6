"""The guard: configuration in, a :class:`GuardResult` with a decision out, for every request."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from surefoot.core._clock import SYSTEM_CLOCK, Clock
from surefoot.core._records import Decision, DecisionStatus
from surefoot.core.errors import ConfigError
from surefoot.guard import _drive, _trace
from surefoot.guard._build import guard_result
from surefoot.guard._confidence import Scorer
from surefoot.guard._config import Fallback, GuardConfig, Lane, RulesDefault, Upstream
from surefoot.guard._decide import Run
from surefoot.guard._judge import NO_EVIDENCE, Evidence
from surefoot.guard._onfail import ValidationPolicy
from surefoot.guard._policies import (
    RetryIfRetryable,
    RetryPolicy,
    StopAfterAttempts,
    StopPolicy,
    WaitExponentialJitter,
    WaitPolicy,
)
from surefoot.guard._routing import EscalationItem, EscalationSink, RoutingPolicy
from surefoot.guard._streaming import AsyncGuardStream, GuardStream
from surefoot.providers import ChatRequest

if TYPE_CHECKING:
    from surefoot.guard._context import ContextBudget
    from surefoot.guard._cost import CostBudget
    from surefoot.guard._result import Finish, GuardResult
    from surefoot.guard._validators import ValidatorBase
    from surefoot.providers import Provider

__all__ = ["Guard"]

_log = logging.getLogger("surefoot.guard")
_REFUSED = DecisionStatus.REFUSED

FallbackLike = Fallback | Callable[[ChatRequest], "str | None"]
ScorerLike = Scorer | tuple[float, Scorer]


class Guard:
    """Runs every model call through deadlines, retries, breakers, bulkheads, budgets,
    validation, confidence routing and fallbacks, and ends every request in a decision.

    By default nothing raises for upstream failures: a request that cannot be answered ends as a
    ``refused`` decision whose :attr:`GuardResult.error` says why. With ``raise_on_refusal=True``
    that error is raised instead (``DeadlineExceeded``, ``CircuitOpen``, ``BudgetExceeded``,
    ``ValidationFailed``, or the last ``ProviderError``).

    Args:
        upstreams: model upstreams in order of preference; a bare provider is an upstream.
        fallbacks: non-model answers tried after every upstream failed (cache, rules, static);
            plain callables ``fn(request) -> str | None`` are accepted.
        deadline_s: the total time for a request, across every attempt and wait.
        retry: which failures are retried (content refusals and bad input never are).
        stop: when to stop retrying one upstream; combine with ``|`` and ``&``.
        wait: the wait before a retry; a 429's Retry-After raises it.
        validation: validators with their on-fail actions, applied in order.
        scorers: confidence scorers, each optionally ``(weight, scorer)``.
        routing: maps the combined confidence to serve, caveat, fallback or escalate.
        escalation: where escalated requests go.
        context: the context budget applied before the first call.
        cost: the cost budget reserved before each call and settled after.
        raise_on_refusal: raise the specific error instead of returning a refused result.
        clock: the time source (inject a ``FakeClock`` in tests).
        name: names the guard span.
    """

    def __init__(
        self,
        upstreams: Sequence[Upstream | Provider],
        *,
        fallbacks: Iterable[FallbackLike] = (),
        deadline_s: float = 30.0,
        retry: RetryPolicy | None = None,
        stop: StopPolicy | None = None,
        wait: WaitPolicy | None = None,
        validation: Iterable[ValidationPolicy | ValidatorBase] = (),
        scorers: Iterable[ScorerLike] = (),
        routing: RoutingPolicy | None = None,
        escalation: EscalationSink | None = None,
        context: ContextBudget | None = None,
        cost: CostBudget | None = None,
        raise_on_refusal: bool = False,
        clock: Clock = SYSTEM_CLOCK,
        name: str = "guard",
    ) -> None:
        if not upstreams and not fallbacks:
            raise ConfigError("a Guard needs at least one upstream or fallback")
        lanes = tuple(Lane.resolve(_as_upstream(u), clock) for u in upstreams)
        self.config = GuardConfig(
            lanes=lanes,
            fallbacks=tuple(_as_fallback(f) for f in fallbacks),
            deadline_s=deadline_s,
            retry=retry or RetryIfRetryable(),
            stop=stop or StopAfterAttempts(3),
            wait=wait or WaitExponentialJitter(),
            validation=tuple(_as_policy(v) for v in validation),
            scorers=tuple(s if isinstance(s, tuple) else (1.0, s) for s in scorers),
            routing=routing or RoutingPolicy(),
            context=context,
            cost=cost,
        )
        self.escalation = escalation
        self.raise_on_refusal = raise_on_refusal
        self.clock = clock
        self.name = name

    @property
    def lanes(self) -> tuple[Lane, ...]:
        """The upstreams with their breakers, bulkheads and retry budgets."""
        return self.config.lanes

    def complete(
        self,
        request: ChatRequest,
        *,
        key: str | None = None,
        passages: Sequence[str] = (),
        passage_scores: Sequence[float] = (),
    ) -> GuardResult:
        """Answer ``request`` under every policy; always returns a decision.

        Args:
            request: the chat request; each upstream's pinned model replaces its ``model``.
            key: whom the cost budget's per-key limit charges.
            passages: retrieved passages, for the retrieval-support scorer.
            passage_scores: the retriever's scores in [0, 1], for the same.

        Raises:
            GuardError: only with ``raise_on_refusal=True``, when the request was refused.
            ProviderError: only with ``raise_on_refusal=True``, when the last upstream error
                is the best explanation.
        """
        evidence = NO_EVIDENCE
        if passages or passage_scores:
            evidence = Evidence(tuple(passages), tuple(passage_scores))
        core = Run(self.config, request, self.clock, key=key, evidence=evidence)
        if not _trace.recording():  # no span to open: skip entering and leaving a no-op one
            finish = _drive.run(core, self.clock, False)
            if finish.escalate or finish.error is not None:
                return self._finish(None, core, request, finish)
            # Nothing to escalate, raise or record: what _finish would build, built at once.
            return guard_result(
                finish.decision, finish.response, finish.content, core.attempts, None, None
            )
        with _trace.guard_span(self.name, request) as span:
            finish = _drive.run(core, self.clock, True)
            return self._finish(span, core, request, finish)

    async def acomplete(
        self,
        request: ChatRequest,
        *,
        key: str | None = None,
        passages: Sequence[str] = (),
        passage_scores: Sequence[float] = (),
    ) -> GuardResult:
        """Async twin of :meth:`complete`."""
        evidence = NO_EVIDENCE
        if passages or passage_scores:
            evidence = Evidence(tuple(passages), tuple(passage_scores))
        core = Run(self.config, request, self.clock, key=key, evidence=evidence)
        if not _trace.recording():
            finish = await _drive.arun(core, self.clock, False)
            if finish.escalate or finish.error is not None:
                return self._finish(None, core, request, finish)
            return guard_result(
                finish.decision, finish.response, finish.content, core.attempts, None, None
            )
        with _trace.guard_span(self.name, request) as span:
            finish = await _drive.arun(core, self.clock, True)
            return self._finish(span, core, request, finish)

    def stream(self, request: ChatRequest, *, key: str | None = None) -> GuardStream:
        """Stream the answer; iterate for chunks, then read :attr:`GuardStream.result`.

        Failures before the first chunk follow the retry and fallback policy. A failure after
        it is a failed request: the decision is ``refused`` and the iterator raises the
        provider's error, so a cut answer never passes for a whole one.
        """
        core = Run(self.config, request, self.clock, key=key, streamed=True)
        return GuardStream(self, core, request)

    def astream(self, request: ChatRequest, *, key: str | None = None) -> AsyncGuardStream:
        """Async twin of :meth:`stream`."""
        core = Run(self.config, request, self.clock, key=key, streamed=True)
        return AsyncGuardStream(self, core, request)

    def _finish(
        self, span: _trace.Span | None, core: Run, request: ChatRequest, finish: Finish
    ) -> GuardResult:
        """Escalate if asked, record the decision on the span (if any), and build the result."""
        trace_id = None if span is None else _trace.trace_id_of(span)
        decision = finish.decision
        if finish.escalate:
            decision = self._escalate(request, finish, trace_id)
        if span is not None:
            _trace.record_decision(span, decision, finish.content)
        error = finish.error
        if error is not None and self.raise_on_refusal and decision.status is _REFUSED:
            error.trace_id = trace_id
            raise error
        return guard_result(
            decision, finish.response, finish.content, core.attempts, trace_id, error
        )

    def _escalate(self, request: ChatRequest, finish: Finish, trace_id: str | None) -> Decision:
        content = finish.response.content if finish.response else finish.content
        item = EscalationItem(request, finish.response, content, finish.decision, trace_id)
        if self.escalation is None:
            return dataclasses.replace(
                finish.decision, reasons=(*finish.decision.reasons, "no_escalation_sink")
            )
        try:
            self.escalation.submit(item)
        except Exception:  # the request is still decided; the sink's failure is a reason
            _log.exception("escalation sink failed")
            reasons = (*finish.decision.reasons, "escalation_sink_failed")
            return dataclasses.replace(finish.decision, reasons=reasons)
        return finish.decision


def _as_upstream(upstream: Upstream | Provider) -> Upstream:
    return upstream if isinstance(upstream, Upstream) else Upstream(upstream)


def _as_fallback(fallback: FallbackLike) -> Fallback:
    if isinstance(fallback, Fallback):
        return fallback
    return RulesDefault(fallback, name=getattr(fallback, "__name__", "fallback"))


def _as_policy(validation: ValidationPolicy | ValidatorBase) -> ValidationPolicy:
    if isinstance(validation, ValidationPolicy):
        return validation
    return ValidationPolicy(validation)
