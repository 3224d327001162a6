"""Judge grades are cached by judge, case, output and run, so re-runs ask the judge nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from surefoot.evals import CallableTarget, Dataset, ModelJudge, Runner, RunOutcome, make_case
from surefoot.providers import OpenAICompatibleProvider
from surefoot.store import EvalStore, Store
from surefoot.testing import FaultServer

_DATA = Dataset.from_cases("j", [make_case(f"q{i}", f"a{i}") for i in range(6)])


def _grade(body: Mapping[str, Any]) -> str:
    # Right when the answer holds the reference; run 1 (seed 1) flips answers saying "maybe",
    # and answers saying "garbled" get a reply that is not the asked JSON.
    payload = json.loads(body["messages"][-1]["content"])
    if "garbled" in str(payload["answer"]):
        return "I think it is fine"
    good = str(payload["reference"]) in str(payload["answer"])
    if "maybe" in str(payload["answer"]) and body.get("seed") == 1:
        good = not good
    return json.dumps({"score": 1.0 if good else 0.0, "reason": "checked"})


@pytest.fixture(name="judge_server")
def _judge_server() -> Iterator[FaultServer]:
    with FaultServer(respond=_grade) as server:
        yield server


@pytest.fixture(name="evals")
def _evals(store: Store) -> EvalStore:
    return EvalStore(store.engine)


def _answer(prefix: str = "") -> Any:
    def answer(q: str) -> str:
        return f"{prefix}a{q[1:]}" if q != "q1" else "maybe a1"

    return answer


def _run(
    evals: EvalStore | None,
    server: FaultServer,
    target: CallableTarget,
    *,
    rubric: str = "Holds the reference.",
    samples: int = 1,
) -> RunOutcome:
    async def go() -> RunOutcome:
        provider = OpenAICompatibleProvider(server.base_url)
        try:
            judge = ModelJudge(provider, "judge-2026-01-01", rubric, runs=3)
            return await Runner(evals, samples=samples).arun(_DATA, target, {"judge": judge})
        finally:
            await provider.aclose()

    return asyncio.run(go())


def test_rerun_asks_the_judge_nothing(evals: EvalStore, judge_server: FaultServer) -> None:
    """A second run of the same target and judge reads every grade from the store."""
    first = _run(evals, judge_server, CallableTarget(_answer(), {"v": 1}))
    asked = judge_server.count()
    second = _run(evals, judge_server, CallableTarget(_answer(), {"v": 1}))
    assert (first.judged, asked) == (18, 18)
    assert (second.judged, second.judge_cached, judge_server.count()) == (0, 18, 18)
    assert second.run.scores == first.run.scores


def test_cached_runs_stay_distinct_samples(evals: EvalStore, judge_server: FaultServer) -> None:
    """Each judge run keeps its own seed and grade, so flakiness survives a fully cached re-run."""
    _run(evals, judge_server, CallableTarget(_answer(), {"v": 1}))
    again = _run(evals, judge_server, CallableTarget(_answer(), {"v": 1}))
    flaky_case = _DATA.cases[1].case_hash
    assert again.flaky == {flaky_case: ["judge"]}
    assert again.run.scores[flaky_case]["judge"] == pytest.approx(2 / 3)
    assert sorted({r.body["seed"] for r in judge_server.requests if r.body}) == [0, 1, 2]


def test_same_output_of_another_target_is_not_regraded(
    evals: EvalStore, judge_server: FaultServer
) -> None:
    """Grades follow the output, not the target: an unchanged answer is never graded twice."""
    _run(evals, judge_server, CallableTarget(_answer(), {"v": 1}))
    other = _run(evals, judge_server, CallableTarget(_answer(), {"v": 2}))
    assert (other.called, other.judged) == (6, 0)


def test_changed_rubric_or_output_is_graded_afresh(
    evals: EvalStore, judge_server: FaultServer
) -> None:
    """A new rubric is a new judge, and a changed answer is a new output: both are asked."""
    _run(evals, judge_server, CallableTarget(_answer(), {"v": 1}))
    rubric = _run(evals, judge_server, CallableTarget(_answer(), {"v": 1}), rubric="Stricter.")
    changed = _run(evals, judge_server, CallableTarget(_answer("x"), {"v": 3}))
    assert rubric.judged == 18
    assert changed.judged == 15  # five answers changed; "maybe a1" was graded before


def test_judge_failure_leaves_the_case_unscored(judge_server: FaultServer) -> None:
    """A grade the judge garbles leaves that case without a judge score; the run goes on."""

    def answer(q: str) -> str:
        return "garbled" if q == "q2" else f"a{q[1:]}"

    outcome = _run(None, judge_server, CallableTarget(answer))
    garbled = _DATA.cases[2].case_hash
    assert "judge" not in outcome.run.scores[garbled]
    assert "MalformedResponse" in outcome.unscored["judge"][garbled]
    assert outcome.means()["judge"] == 1.0
