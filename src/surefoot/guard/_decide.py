"""The decision core: a pure state machine that tells the drivers what to do next.

Like tenacity's ``BaseRetrying.iter()``, :class:`Run` never sleeps, calls or waits: it returns
an action (:class:`DoAttempt`, :class:`DoSleep`, :class:`DoFallback`, :class:`Finish`) and is
told the outcome. The sync and async drivers carry the actions out, so both share every rule.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from surefoot.core._records import Decision, DecisionStatus
from surefoot.core.errors import (
    BudgetExceeded,
    BulkheadFull,
    CircuitOpen,
    ContentFiltered,
    DeadlineExceeded,
    GuardError,
    InvalidInput,
    ProviderError,
    RateLimited,
    SurefootError,
    ValidationFailed,
)
from surefoot.guard._build import attempt_record, attempt_request
from surefoot.guard._judge import NO_EVIDENCE, Evidence, Verdict, judge
from surefoot.guard._ledger import Ledger
from surefoot.guard._onfail import build_reask
from surefoot.guard._policies import RetryState, never_retryable
from surefoot.guard._result import (
    Action,
    AttemptOutcome,
    DoAttempt,
    DoFallback,
    DoSleep,
    Finish,
)
from surefoot.providers import check_served

if TYPE_CHECKING:
    from surefoot.core._clock import Clock
    from surefoot.guard._config import GuardConfig, Lane
    from surefoot.guard._result import AttemptRecord
    from surefoot.providers import ChatRequest, ChatResponse

__all__ = ["Run"]


class Run:
    """The decisions of one guarded request. Not thread-safe: one driver owns it."""

    # One Run per request: slots make building it and reading its state cheaper.
    __slots__ = (
        "_fallback_index",
        "_lane_index",
        "_last_error",
        "_ledger",
        "_on_lane",
        "_pending",
        "_reasking",
        "_reasks",
        "attempts",
        "base",
        "clock",
        "config",
        "evidence",
        "key",
        "original",
        "reasons",
        "started_s",
        "streamed",
    )

    def __init__(
        self,
        config: GuardConfig,
        request: ChatRequest,
        clock: Clock,
        *,
        key: str | None = None,
        evidence: Evidence | None = None,
        streamed: bool = False,
    ) -> None:
        self.config = config
        self.clock = clock
        self.original = request
        needed = config.logprobs_needed
        if needed is not None and (not request.logprobs or (request.top_logprobs or 0) < needed):
            # A scorer reads log probabilities: every attempt asks for them.
            top = max(request.top_logprobs or 0, needed) or request.top_logprobs
            request = dataclasses.replace(request, logprobs=True, top_logprobs=top)
        self.base = request  # what reasks are built from: the original after context fitting
        self._pending: ChatRequest = request
        self.key = key
        self.evidence = evidence or NO_EVIDENCE
        self.streamed = streamed
        self.started_s = clock.monotonic()
        self.reasons: list[str] = []
        self.attempts: list[AttemptRecord] = []
        # Without a cost budget there is nothing to reserve or settle: no ledger at all.
        self._ledger = None if config.cost is None else Ledger(config, key)
        self._lane_index = 0
        self._on_lane = 0  # attempts on the current lane
        self._reasks = 0
        self._fallback_index = 0
        self._last_error: SurefootError | None = None
        self._reasking = False

    # ------------------------------------------------------------------ clock
    @property
    def remaining_s(self) -> float:
        """Seconds left before the request's deadline."""
        return self.config.deadline_s - (self.clock.monotonic() - self.started_s)

    # ------------------------------------------------------------------ transitions
    def begin(self) -> Action:
        """The first action: fit the context budget, then try the first upstream."""
        if self.config.context is not None:
            try:
                fitted = self.config.context.fit(self.original.messages)
            except BudgetExceeded as exc:
                return self._refuse(exc, "context_budget_exceeded")
            if fitted.dropped:
                self.reasons.append(f"context_trimmed:{fitted.dropped}_turns")
            if fitted.truncated:
                self.reasons.append("context_truncated")
            self.base = dataclasses.replace(self.original, messages=fitted.messages)
            self._pending = self.base
        return self._try_lane(first=True)

    def after_sleep(self) -> Action:
        """After a :class:`DoSleep`: retry the same upstream."""
        return self._try_lane(first=False)

    def after_attempt(self, action: DoAttempt, outcome: AttemptOutcome) -> Action:
        """After a :class:`DoAttempt`: settle, then judge the answer, retry or move on."""
        response = outcome.response
        if response is None:
            return self._after_failure(action, outcome)
        # The usual case, kept to the few steps an answer needs: record, settle, judge.
        lane = action.lane
        reask, self._reasking = self._reasking, False
        self.attempts.append(
            attempt_record(
                lane.name,
                action.number,
                "ok",
                outcome.duration_s,
                action.timeout_s,
                None,
                response.model,
                reask,
            )
        )
        if self._ledger is not None:
            self._ledger.settle(lane, response)
        lane.breaker.record_success(outcome.duration_s)
        if lane.ref is not None:
            # The provider already checked its answer against the pin the attempt carried.
            check = outcome.pin or check_served(
                lane.ref, response.model, response.system_fingerprint
            )
            if not check.matches:
                self.reasons.append(
                    f"model_mismatch:expected={check.expected}:served={check.served_model}"
                )
        if not self.config.judged:
            # Nothing to validate or score: judging would serve the answer as it is, plainly
            # (tests/guard/test_plain_path.py holds this equal to judging it).
            if self.reasons:
                status = DecisionStatus.FALLBACK if self._lane_index else DecisionStatus.SERVE
                decision = self._decision(status, served_by=lane.name)
            else:
                decision = self.config.served[self._lane_index]
            return Finish(decision, response.content, response)
        return self._judge(lane, response)

    def _judge(self, lane: Lane, response: ChatResponse) -> Action:
        verdict = judge(
            self.config,
            response.content,
            response,
            self.evidence,
            reasks_used=self._reasks,
            streamed=self.streamed,
        )
        self.reasons.extend(verdict.reasons)
        return self._apply(lane, response, verdict)

    def _after_failure(self, action: DoAttempt, outcome: AttemptOutcome) -> Action:
        lane = action.lane
        reask, self._reasking = self._reasking, False
        self.attempts.append(_failure_record(action, outcome, reask))
        if self._ledger is not None:
            self._ledger.settle(lane, None)
        if outcome.rejected is not None:
            lane.breaker.release()
            self._last_error = BulkheadFull(
                f"upstream {lane.name!r} already has {lane.bulkhead.max_concurrent} calls in "
                "flight, its bulkhead's limit; no call was made"
            )
            return self._next_lane(f"{lane.name}:{outcome.rejected}")
        error = outcome.error
        if isinstance(error, ContentFiltered | InvalidInput):
            lane.breaker.release()  # the upstream is healthy; the request is the problem
        else:
            lane.breaker.record_failure(outcome.duration_s)
        self._last_error = _as_surefoot_error(error)
        if outcome.after_first_token:
            self.reasons.append(f"{lane.name}:stream_failed_after_first_token")
            return self._refuse(self._last_error, "stream_interrupted")
        return self._after_error(lane, error)

    def after_fallback(self, action: DoFallback, content: str | None) -> Action:
        """After a :class:`DoFallback`: serve its text, or try the next fallback."""
        if content is None:
            self.reasons.append(f"{action.fallback.name}:no_answer")
            return self._next_fallback()
        decision = self._decision(DecisionStatus.FALLBACK, served_by=action.fallback.name)
        return Finish(decision, content)

    # ------------------------------------------------------------------ upstreams
    def _try_lane(self, *, first: bool) -> Action:
        lanes = self.config.lanes
        while self._lane_index < len(lanes):
            lane = lanes[self._lane_index]
            # self.remaining_s, spelled out: every attempt starts here, and between two HTTP
            # calls each Python call on the path costs about a microsecond.
            remaining_s = self.config.deadline_s - (self.clock.monotonic() - self.started_s)
            if remaining_s <= self.config.min_attempt_s:
                self.reasons.append("deadline_exhausted")
                self._last_error = DeadlineExceeded(
                    f"the deadline of {self.config.deadline_s}s passed before an answer"
                )
                return self._next_fallback()
            if not lane.breaker.allow():
                self._last_error = CircuitOpen(f"the circuit of upstream {lane.name!r} is open")
                self.reasons.append(f"{lane.name}:circuit_open")
                self._advance_lane()
                first = True
                continue
            if self._ledger is not None:
                refused = self._ledger.reserve(lane, self._pending)
                if refused is not None:
                    lane.breaker.release()
                    return self._refuse(*refused)
            if first:
                lane.retry_budget.record_request()
            self._on_lane += 1
            # max(min(lane.timeout_s, remaining_s), 0.0) without the builtins' argument parsing.
            timeout_s = remaining_s if remaining_s < lane.timeout_s else lane.timeout_s
            timeout_s = 0.0 if timeout_s < 0.0 else timeout_s
            request = attempt_request(self._pending, lane.ref, timeout_s)
            return DoAttempt(lane, request, timeout_s, len(self.attempts) + 1)
        return self._next_fallback()

    def _after_error(self, lane: Lane, error: BaseException | None) -> Action:
        name = type(error).__name__
        if isinstance(error, InvalidInput):
            return self._refuse(error, f"{lane.name}:invalid_input")
        state = RetryState(
            self._on_lane, self.clock.monotonic() - self.started_s, self.remaining_s, error
        )
        if never_retryable(error) or not self.config.retry(state):
            return self._next_lane(f"{lane.name}:{name}:not_retried")
        if self.config.stop(state):
            return self._next_lane(f"{lane.name}:{name}:stopped_after_{self._on_lane}_attempts")
        wait_s = self.config.wait(state)
        if isinstance(error, RateLimited) and error.retry_after_s is not None:
            if error.retry_after_s >= state.remaining_s - self.config.min_attempt_s:
                return self._next_lane(f"{lane.name}:retry_after_exceeds_deadline")
            wait_s = max(wait_s, error.retry_after_s)
        if wait_s >= state.remaining_s - self.config.min_attempt_s:
            return self._next_lane(f"{lane.name}:{name}:backoff_exceeds_deadline")
        if not lane.retry_budget.try_acquire():
            return self._next_lane(f"{lane.name}:{name}:retry_budget_exhausted")
        self.reasons.append(f"{lane.name}:{name}:retried")
        return DoSleep(wait_s) if wait_s > 0 else self._try_lane(first=False)

    def _next_lane(self, reason: str) -> Action:
        self.reasons.append(reason)
        self._advance_lane()
        return self._try_lane(first=True)

    def _advance_lane(self) -> None:
        self._lane_index += 1
        self._on_lane = 0
        self._reasks = 0
        self._pending = self.base

    # ------------------------------------------------------------------ answers
    def _apply(self, lane: Lane, response: ChatResponse, verdict: Verdict) -> Action:
        conf = verdict.confidence
        match verdict.kind:
            case "serve" | "caveat":
                return self._serve(lane, response, verdict)
            case "reask" if verdict.failed is not None and verdict.policy is not None:
                self._reasks += 1
                self.reasons.append(f"{lane.name}:reask_{self._reasks}")
                self._pending = build_reask(
                    self.base, response.content, verdict.failed, verdict.policy
                )
                self._reasking = True
                return self._try_lane(first=False)
            case "escalate":
                decision = self._decision(DecisionStatus.ESCALATE, conf, served_by=lane.name)
                return Finish(decision, "", response, escalate=True)
            case "refuse":
                return Finish(self._decision(DecisionStatus.REFUSED, conf), "", response)
            case "raise":
                errors = "; ".join(verdict.failed.errors) if verdict.failed else ""
                error = ValidationFailed(f"output of {lane.name!r} failed validation: {errors}")
                decision = self._decision(DecisionStatus.REFUSED, conf)
                return Finish(decision, "", response, error=error)
            case _:
                self._last_error = _passed_over(lane.name, verdict)
                self._advance_lane()
                return self._try_lane(first=True)

    def _serve(self, lane: Lane, response: ChatResponse, verdict: Verdict) -> Finish:
        caveat = None
        if verdict.kind == "caveat":
            status, caveat = DecisionStatus.SERVE_WITH_CAVEAT, self.config.routing.caveat
        elif self._lane_index > 0:
            status = DecisionStatus.FALLBACK
        else:
            status = DecisionStatus.SERVE
        decision = self._decision(status, verdict.confidence, served_by=lane.name, caveat=caveat)
        return Finish(decision, verdict.content, response)

    # ------------------------------------------------------------------ fallbacks and endings
    def _next_fallback(self) -> Action:
        fallbacks = self.config.fallbacks
        if self._fallback_index < len(fallbacks):
            self._fallback_index += 1
            return DoFallback(fallbacks[self._fallback_index - 1], self.base)
        error = self._last_error or GuardError("no upstream or fallback could answer")
        return self._refuse(error, "no_fallback_left")

    def _refuse(self, error: SurefootError, reason: str) -> Finish:
        self.reasons.append(reason)
        return Finish(self._decision(DecisionStatus.REFUSED), "", error=error)

    def _decision(
        self,
        status: DecisionStatus,
        confidence: float | None = None,
        *,
        served_by: str | None = None,
        caveat: str | None = None,
    ) -> Decision:
        return Decision(status, confidence, tuple(self.reasons), caveat, served_by)


def _failure_record(action: DoAttempt, outcome: AttemptOutcome, reask: bool) -> AttemptRecord:
    if outcome.rejected is not None:
        kind, error = "rejected", outcome.rejected
    else:
        kind, error = "error", type(outcome.error).__name__
    lane = action.lane
    return attempt_record(
        lane.name, action.number, kind, outcome.duration_s, action.timeout_s, error, None, reask
    )


def _as_surefoot_error(error: BaseException | None) -> SurefootError:
    if isinstance(error, SurefootError):
        return error
    return ProviderError(f"the upstream failed: {error!r}")


def _passed_over(upstream: str, verdict: Verdict) -> GuardError:
    """Why an answer was passed over for the next upstream or fallback: the error a refusal
    reports when nothing after it answers."""
    failed = verdict.failed
    if failed is not None:
        errors = "; ".join(failed.errors) or "no detail given"
        return ValidationFailed(
            f"the answer of upstream {upstream!r} failed validation ({failed.name}: {errors})",
            hint="add a fallback (fallbacks, or fallback_message in surefoot.toml), or relax the "
            "validator",
        )
    return GuardError(
        f"the answer of upstream {upstream!r} was not good enough to serve "
        f"({', '.join(verdict.reasons)})",
        hint="add a fallback (fallbacks, or fallback_message in surefoot.toml), or lower caveat_at",
    )
