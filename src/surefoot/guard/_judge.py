"""Judging an answer: validation with on-fail actions, then confidence and routing. Pure."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from surefoot.guard import _trace
from surefoot.guard._confidence import ScoreInput, combine
from surefoot.guard._onfail import OnFail, ValidationPolicy
from surefoot.guard._routing import Route

if TYPE_CHECKING:
    from surefoot.guard._config import GuardConfig
    from surefoot.guard._validators import ValidationResult
    from surefoot.providers import ChatResponse

__all__ = ["NO_EVIDENCE", "Evidence", "Verdict", "judge"]

_log = logging.getLogger("surefoot.guard")

VerdictKind = Literal["serve", "caveat", "next", "reask", "escalate", "refuse", "raise"]


@dataclass(slots=True)  # built on every request: a frozen init costs three times more
class Verdict:
    """What to do with an answer.

    ``serve``/``caveat`` serve ``content``; ``next`` moves to the next upstream or fallback
    (with ``failed`` when a validation failure is why); ``reask`` asks again with ``failed`` fed
    back under ``policy``; ``escalate`` hands it to a human; ``refuse`` withholds it; ``raise``
    withholds it with a ``ValidationFailed``.
    """

    kind: VerdictKind
    content: str
    confidence: float | None = None
    reasons: tuple[str, ...] = ()
    failed: ValidationResult | None = None
    policy: ValidationPolicy | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the caller supplied for scoring: retrieved passages and their scores."""

    passages: tuple[str, ...] = ()
    passage_scores: tuple[float, ...] = ()


NO_EVIDENCE = Evidence()
"""The evidence of a request that brought none (frozen, so one instance serves all)."""


def _validate(policy: ValidationPolicy, text: str) -> ValidationResult:
    with _trace.validation_span(policy.on_fail.value) as span:
        result = policy.validate(text)
        _trace.record_validation(span, result)
    return result


def _on_fail(
    policy: ValidationPolicy, content: str, result: ValidationResult, reasks_used: int
) -> tuple[Verdict | None, str, ValidationResult]:
    """Apply ``policy.on_fail``; a verdict ends judging, else judging goes on with the content."""
    why = f"validation_failed:{result.name}"
    match policy.on_fail:
        case OnFail.MONITOR:
            return None, content, result
        case OnFail.FIX if policy.fix is not None:
            fixed = policy.fix(content, result)
            again = _validate(policy, fixed)
            if again.ok:
                return None, fixed, again
            verdict = Verdict("next", content, reasons=(f"{why}:fix_failed",), failed=again)
            return verdict, content, again
        case OnFail.REASK if reasks_used < policy.max_reasks:
            return Verdict("reask", content, failed=result, policy=policy), content, result
        case OnFail.REASK:
            verdict = Verdict("next", content, reasons=(f"{why}:reasks_exhausted",), failed=result)
            return verdict, content, result
        case OnFail.ESCALATE:
            return Verdict("escalate", content, reasons=(why,), failed=result), content, result
        case OnFail.FILTER:
            return Verdict("refuse", "", reasons=(f"{why}:filtered",)), content, result
        case OnFail.RAISE:
            return Verdict("raise", content, reasons=(why,), failed=result), content, result
        case _:
            return Verdict("next", content, reasons=(why,), failed=result), content, result


def _score(config: GuardConfig, item: ScoreInput, reasons: list[str]) -> float | None:
    scores: list[tuple[float, float | None]] = []
    for weight, scorer in config.scorers:
        try:
            scores.append((weight, scorer(item)))
        except Exception:  # a plug-in scorer's bug must not fail the request (STYLE rule 16)
            _log.exception("confidence scorer %r failed", scorer)
            reasons.append(f"scorer_failed:{type(scorer).__name__}")
    return combine(scores)


def judge(
    config: GuardConfig,
    content: str,
    response: ChatResponse | None,
    evidence: Evidence,
    *,
    reasks_used: int,
    streamed: bool,
) -> Verdict:
    """Validate ``content``, score it and route it.

    A streamed answer is already with the caller, so its failures are recorded, never acted on.
    """
    if not config.validation and not config.scorers:
        return Verdict("serve", content)  # nothing to check and no score: routing serves
    reasons: list[str] = []
    validation: ValidationResult | None = None
    for policy in config.validation:
        validation = _validate(policy, content)
        if validation.ok:
            continue
        if streamed or policy.on_fail is OnFail.MONITOR:
            reasons.append(f"validation_failed:{validation.name}:monitored")
            continue
        verdict, fixed, validation = _on_fail(policy, content, validation, reasks_used)
        if verdict is not None:
            return verdict
        reasons.append(f"validation_fixed:{validation.name}")
        content = fixed
    score = None
    if config.scorers:
        item = ScoreInput(content, response, validation, evidence.passages, evidence.passage_scores)
        score = _score(config, item, reasons)
    route = config.routing.route(score)
    if score is not None:
        reasons.append(f"confidence:{score:.3f}")
    if route is Route.SERVE:
        return Verdict("serve", content, score, tuple(reasons))
    if route is Route.SERVE_WITH_CAVEAT or streamed:
        return Verdict("caveat", content, score, (*reasons, "confidence_below_serve"))
    if route is Route.ESCALATE:
        return Verdict("escalate", content, score, (*reasons, "confidence_low"))
    return Verdict("next", content, score, (*reasons, "confidence_low"))
