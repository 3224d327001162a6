"""A model judge: a pinned model grades outputs against a rubric, several times per case."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from surefoot.core.errors import MalformedResponse
from surefoot.providers import ChatRequest, ResponseFormat

if TYPE_CHECKING:
    from surefoot.providers import Provider

__all__ = ["JudgeVerdict", "ModelJudge"]

_INSTRUCTIONS = (
    "You grade an answer against a rubric. Reply with a JSON object "
    '{"score": <number from 0 to 1>, "reason": "<one sentence>"} and nothing else.'
)


@dataclass(frozen=True, slots=True)
class JudgeVerdict:
    """The judge's grades of one output.

    Args:
        score: the mean of the sampled grades.
        samples: each run's grade, in order.
        reasons: each run's stated reason.
    """

    score: float
    samples: tuple[float, ...]
    reasons: tuple[str, ...] = ()

    @property
    def spread(self) -> float:
        """Largest minus smallest grade: 0 when every run agreed."""
        return max(self.samples) - min(self.samples) if self.samples else 0.0

    @property
    def flaky(self) -> bool:
        """Whether the runs disagreed."""
        return self.spread > 0.0


def parse_grade(text: str) -> tuple[float, str]:
    """Read ``{"score": x, "reason": ...}`` from the judge's reply.

    Raises:
        MalformedResponse: the reply is not that JSON or the score is outside [0, 1].
    """
    try:
        value = json.loads(text)
        score = float(value["score"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse(
            f"the judge replied {text[:80]!r}, not a JSON object with a numeric 'score'; "
            "check that the judge model supports JSON output"
        ) from exc
    if not 0.0 <= score <= 1.0:
        raise MalformedResponse(f"the judge's score {score} is outside [0, 1]; tighten the rubric")
    return score, str(value.get("reason", ""))


class ModelJudge:
    """Grades outputs with a pinned judge model, asking ``runs`` times per output.

    Args:
        provider: the client of the judge model.
        model: the judge's pinned model id.
        rubric: what a good answer is, in words; the judge scores 0 (fails) to 1 (meets it).
        runs: how many times to ask; disagreeing runs mark the case flaky.
        temperature: the judge's sampling temperature.
    """

    def __init__(
        self,
        provider: Provider,
        model: str,
        rubric: str,
        *,
        runs: int = 3,
        temperature: float = 0.0,
    ) -> None:
        if runs < 1:
            raise ValueError("runs must be at least 1")
        self.provider, self.model, self.rubric = provider, model, rubric
        self.runs, self.temperature = runs, temperature

    @property
    def config(self) -> dict[str, Any]:
        """What identifies this judge."""
        return {"judge": self.model, "rubric": self.rubric, "runs": self.runs}

    @property
    def judge_hash(self) -> str:
        """The key of this judge's cached grades: pinned model, rubric, temperature, instructions.

        ``runs`` is left out on purpose: each run is cached under its own index, so asking for
        more runs later reuses the ones already graded.
        """
        key = {
            "model": self.model,
            "rubric": hashlib.sha256(self.rubric.encode()).hexdigest(),
            "temperature": self.temperature,
            "instructions": hashlib.sha256(_INSTRUCTIONS.encode()).hexdigest(),
        }
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()

    def _request(self, input: Any, output: Any, expected: Any, run: int) -> ChatRequest:
        body = json.dumps(
            {"rubric": self.rubric, "input": input, "answer": output, "reference": expected},
            ensure_ascii=False,
            default=str,
        )
        return ChatRequest(
            model=self.model,
            messages=[
                {"role": "system", "content": _INSTRUCTIONS},
                {"role": "user", "content": body},
            ],
            temperature=self.temperature,
            seed=run,
            response_format=ResponseFormat.json_object(),
        )

    async def agrade(self, input: Any, output: Any, expected: Any, run: int) -> tuple[float, str]:
        """One grade of one output: run ``run`` (its seed) of the judge, as (score, reason).

        Raises:
            MalformedResponse: the reply is not the asked JSON.
        """
        reply = await self.provider.acomplete(self._request(input, output, expected, run))
        return parse_grade(reply.content)

    async def ajudge(self, input: Any, output: Any, expected: Any) -> JudgeVerdict:
        """Grade one output ``runs`` times (uncached; the runner caches through the store)."""
        grades = [await self.agrade(input, output, expected, run) for run in range(self.runs)]
        return verdict_of(grades)


def verdict_of(grades: list[tuple[float, str]]) -> JudgeVerdict:
    """The verdict of a list of (score, reason) grades, in run order."""
    scores = tuple(s for s, _ in grades)
    return JudgeVerdict(sum(scores) / len(scores), scores, tuple(r for _, r in grades))
