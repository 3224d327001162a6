"""Confidence scorers: each turns one signal into a score in [0, 1], or ``None`` when silent.

Scores are combined by a weighted mean over the scorers that spoke (see :func:`combine`). A
scorer is anything with ``__call__(ScoreInput) -> float | None``; plain functions qualify.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from surefoot.guard._validators import ValidationResult
    from surefoot.providers import ChatResponse, TokenLogprob

__all__ = [
    "ClassifierMargin",
    "RetrievalSupport",
    "ScoreInput",
    "Scorer",
    "SelfConsistency",
    "TokenProbability",
    "ValidatorOutcome",
    "combine",
]

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class ScoreInput:
    """Everything a scorer may look at.

    Args:
        content: the answer about to be served.
        response: the model's response (its choices are the self-consistency samples).
        validation: the validation outcome, when validators ran.
        passages: retrieved passages the answer should be supported by.
        passage_scores: the retriever's own relevance scores in [0, 1], when it gives them.
    """

    content: str
    response: ChatResponse | None = None
    validation: ValidationResult | None = None
    passages: tuple[str, ...] = ()
    passage_scores: tuple[float, ...] = ()

    def token_logprobs(self) -> tuple[TokenLogprob, ...]:
        """The first choice's token log probabilities, ``()`` when the provider sent none."""
        if self.response is None or not self.response.choices:
            return ()
        return self.response.choices[0].logprobs or ()


class Scorer(Protocol):
    """Turns a :class:`ScoreInput` into a confidence in [0, 1], or ``None`` when it cannot tell.

    A scorer that reads token log probabilities says so with a ``logprobs_needed`` attribute
    (how many alternatives per token it needs, 0 for none): the guard then asks the provider for
    them on every attempt, whether or not the caller did.
    """

    def __call__(self, item: ScoreInput, /) -> float | None: ...


class TokenProbability:
    """Mean (or minimum) token probability of the answer, from the provider's logprobs."""

    logprobs_needed = 0

    def __init__(self, mode: Literal["mean", "min"] = "mean") -> None:
        self.mode = mode

    def __call__(self, item: ScoreInput) -> float | None:
        probs = [math.exp(t.logprob) for t in item.token_logprobs()]
        if not probs:
            return None
        return min(probs) if self.mode == "min" else sum(probs) / len(probs)


class ValidatorOutcome:
    """1.0 when validation passed, ``failed_score`` when it failed, silent when none ran."""

    def __init__(self, failed_score: float = 0.0) -> None:
        self.failed_score = failed_score

    def __call__(self, item: ScoreInput) -> float | None:
        if item.validation is None:
            return None
        return 1.0 if item.validation.ok else self.failed_score


def normalise_answer(text: str) -> str:
    """Lower-case words joined by single spaces: the form self-consistency compares."""
    return " ".join(_WORD.findall(text.lower()))


class SelfConsistency:
    """Agreement rate: the share of the n sampled choices equal to the most common answer.

    Ask for samples with ``ChatRequest(n=5, temperature=0.7)``; one choice says nothing.

    Args:
        normalise: maps an answer to the form compared (default: lower-cased words).
    """

    def __init__(self, normalise: Callable[[str], str] = normalise_answer) -> None:
        self.normalise = normalise

    def __call__(self, item: ScoreInput) -> float | None:
        if item.response is None or len(item.response.choices) < 2:
            return None
        answers = Counter(self.normalise(c.content or "") for c in item.response.choices)
        return answers.most_common(1)[0][1] / len(item.response.choices)


class RetrievalSupport:
    """How well the answer is supported by the passages.

    With retriever scores, their maximum; else the share of the answer's distinct words (three
    letters or longer) found in any passage.
    """

    def __call__(self, item: ScoreInput) -> float | None:
        if item.passage_scores:
            return max(0.0, min(1.0, max(item.passage_scores)))
        if not item.passages:
            return None
        words = {w for w in _WORD.findall(item.content.lower()) if len(w) >= 3}
        if not words:
            return None
        support = set(_WORD.findall(" ".join(item.passages).lower()))
        return len(words & support) / len(words)


class ClassifierMargin:
    """For a one-label answer: top-1 minus top-2 probability of the first generated token."""

    logprobs_needed = 2

    def __call__(self, item: ScoreInput) -> float | None:
        tokens = item.token_logprobs()
        if not tokens or len(tokens[0].top_logprobs) < 2:
            return None
        probs = sorted((math.exp(t.logprob) for t in tokens[0].top_logprobs), reverse=True)
        return probs[0] - probs[1]


def combine(scores: Sequence[tuple[float, float | None]]) -> float | None:
    """Weighted mean of ``(weight, score)`` pairs, skipping silent (``None``) scorers.

    Silent scorers are left out rather than counted as zero, so adding a scorer that has no
    signal for a request never lowers its confidence. ``None`` when no scorer spoke.

    Examples:
        >>> combine([(2.0, 0.9), (1.0, 0.6), (5.0, None)])
        0.8
    """
    spoken = [(w, max(0.0, min(1.0, s))) for w, s in scores if s is not None and w > 0]
    total = sum(w for w, _ in spoken)
    if total == 0:
        return None
    return round(sum(w * s for w, s in spoken) / total, 12)
