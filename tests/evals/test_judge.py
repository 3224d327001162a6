"""The model judge: pinned model, rubric, structured output, repeated runs and flakiness."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

import pytest

from surefoot.core import MalformedResponse
from surefoot.evals import CallableTarget, Dataset, ModelJudge, Runner, make_case
from surefoot.providers import OpenAICompatibleProvider
from surefoot.testing import Fault, FaultServer

T = TypeVar("T")


def _grade(body: Mapping[str, Any]) -> str:
    # Grades by whether the answer mentions the reference; seed 1 (the second run) disagrees
    # on answers containing "maybe", which makes those cases flaky.
    payload = json.loads(body["messages"][-1]["content"])
    good = str(payload["reference"]) in str(payload["answer"])
    if "maybe" in str(payload["answer"]) and body.get("seed") == 1:
        good = not good
    return json.dumps({"score": 1.0 if good else 0.0, "reason": "checked"})


def test_judge_scores_and_reports_flaky_cases() -> None:
    """Judge grades are averaged over runs, and disagreeing runs mark the case flaky."""
    data = Dataset.from_cases("j", [make_case("q1", "Paris"), make_case("q2", "Rome")])
    answers = {"q1": "Paris", "q2": "maybe Rome"}
    with FaultServer(respond=_grade) as server:
        provider = OpenAICompatibleProvider(server.base_url)
        judge = ModelJudge(provider, "judge-2026-01-01", "Mentions the reference.", runs=3)
        outcome = asyncio.run(
            _closing(
                provider, Runner().arun(data, CallableTarget(answers.__getitem__), {"judge": judge})
            )
        )
    scores = {c.input: outcome.run.scores[c.case_hash]["judge"] for c in data.cases}
    assert scores == {"q1": 1.0, "q2": pytest.approx(2 / 3)}
    assert list(outcome.flaky.values()) == [["judge"]]
    assert all(
        r.body and r.body["response_format"] == {"type": "json_object"} for r in server.requests
    )


def test_malformed_grade_is_an_error() -> None:
    """A judge reply that is not the asked JSON raises MalformedResponse with the fix."""
    with FaultServer() as server:
        server.inject(Fault.content("not json"))
        provider = OpenAICompatibleProvider(server.base_url)
        judge = ModelJudge(provider, "judge-2026-01-01", "Any.", runs=1)
        with pytest.raises(MalformedResponse, match="JSON output"):
            asyncio.run(_closing(provider, judge.ajudge("q", "a", "b")))


async def _closing(provider: OpenAICompatibleProvider, work: Coroutine[Any, Any, T]) -> T:
    # Async clients must be closed in the loop that opened their connections.
    try:
        return await work
    finally:
        await provider.aclose()
