"""The runner: cached, resumable, bounded, traced, and tolerant of slow or failing cases."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from surefoot.core import FakeClock, SpanKind
from surefoot.evals import CallableTarget, Dataset, LatencyS, Runner, exact_match, make_case
from surefoot.store import EvalStore, Store
from surefoot.testing import capture_traces


class Interrupted(BaseException):
    """Stands in for Ctrl-C: not an Exception, so the runner must not swallow it."""


def _dataset(n: int) -> Dataset:
    return Dataset.from_cases("arith", [make_case(f"{i}+{i}", str(2 * i)) for i in range(n)])


def _answer(text: str) -> str:
    a, b = text.split("+")
    return str(int(a) + int(b))


@pytest.fixture(name="evals")
def _evals(store: Store) -> EvalStore:
    return EvalStore(store.engine)


def test_rerun_only_calls_new_cases(evals: EvalStore) -> None:
    """A second run of the same configuration calls the target only for added cases."""
    calls: list[Any] = []

    def target(x: str) -> str:
        calls.append(x)
        return _answer(x)

    runner = Runner(evals, clock=FakeClock())
    runner.run(_dataset(5), CallableTarget(target, {"v": 1}), {"exact": exact_match})
    outcome = runner.run(_dataset(8), CallableTarget(target, {"v": 1}), {"exact": exact_match})
    assert (len(calls), outcome.called, outcome.cached) == (8, 3, 5)
    assert outcome.means() == {"exact": 1.0}


def test_interrupted_run_resumes_without_redoing_work(evals: EvalStore) -> None:
    """Results finished before an interruption are kept; re-running calls only the rest."""
    calls: list[str] = []

    async def flaky(x: str) -> str:
        if len(calls) == 6:
            raise Interrupted
        calls.append(x)
        return _answer(x)

    runner = Runner(evals, concurrency=1, batch_size=4)
    with pytest.raises(Interrupted):
        runner.run(_dataset(10), CallableTarget(flaky, {"v": 2}), {"exact": exact_match})
    calls.clear()
    outcome = runner.run(
        _dataset(10), CallableTarget(_async(_answer), {"v": 2}), {"exact": exact_match}
    )
    assert (outcome.cached, outcome.called, outcome.means()["exact"]) == (6, 4, 1.0)


def _async(fn: Any) -> Any:
    async def call(x: Any) -> Any:
        return fn(x)

    return call


def test_timeout_is_a_recorded_error(evals: EvalStore) -> None:
    """A case slower than the timeout is an error scoring 0, and the run goes on."""

    async def slow(x: str) -> str:
        if x == "1+1":
            await asyncio.sleep(5)
        return _answer(x)

    runner = Runner(evals, timeout_s=0.05)
    outcome = runner.run(_dataset(4), CallableTarget(slow), {"exact": exact_match})
    errors = [r.error for rs in outcome.results.values() for r in rs if r.error]
    assert errors == ["timed out after 0.05 s"]
    assert outcome.means()["exact"] == 0.75


def test_exceptions_are_recorded_not_raised() -> None:
    """A target raising an ordinary exception yields an error result with its message."""

    def broken(x: str) -> str:
        raise ValueError("no answer")

    outcome = Runner().run(_dataset(2), CallableTarget(broken), {"exact": exact_match})
    assert {r.error for rs in outcome.results.values() for r in rs} == {"ValueError: no answer"}


def test_concurrency_is_bounded() -> None:
    """No more than ``concurrency`` calls are in flight at once."""
    active, peak = 0, 0

    async def target(x: str) -> str:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.001)
        active -= 1
        return _answer(x)

    Runner(concurrency=3).run(_dataset(20), CallableTarget(target), {"exact": exact_match})
    assert peak == 3


def test_every_case_is_traced() -> None:
    """Each case produces one eval span carrying its case hash."""
    data = _dataset(3)
    with capture_traces() as captured:
        Runner().run(data, CallableTarget(_answer), {"exact": exact_match})
    spans = [s for s in captured.spans if s.kind == SpanKind.EVAL]
    assert sorted(s.attributes["surefoot.eval.case"] for s in spans) == sorted(
        c.case_hash for c in data.cases
    )


def test_custom_function_and_latency_metrics() -> None:
    """A plain function is a scorer; latency is read from the result."""

    def long_enough(output: str, expected: str) -> float:
        return float(len(output) >= len(expected))

    outcome = Runner().run(
        _dataset(3), CallableTarget(_answer), {"len": long_enough, "latency": LatencyS()}
    )
    assert outcome.means()["len"] == 1.0
    assert outcome.run.config["lower_is_better"] == ["latency"]


def test_samples_mark_unstable_cases_flaky() -> None:
    """Repeated samples that disagree mark the case flaky for that metric."""
    counter = iter(range(100))

    def wobbly(x: str) -> str:
        return _answer(x) if next(counter) % 2 else "wrong"

    outcome = Runner(samples=2, concurrency=1).run(
        _dataset(3), CallableTarget(wobbly), {"exact": exact_match}
    )
    assert len(outcome.flaky) == 3
    assert outcome.means()["exact"] == 0.5


def test_concurrent_interruption_leaves_only_whole_results(evals: EvalStore) -> None:
    """With calls in flight, an interruption keeps finished results and nothing else."""
    calls: list[str] = []

    async def target(x: str) -> str:
        await asyncio.sleep(0.001)
        if len(calls) >= 12:
            raise Interrupted
        calls.append(x)
        return _answer(x)

    runner = Runner(evals, concurrency=4, batch_size=5)
    with pytest.raises(Interrupted):
        runner.run(_dataset(30), CallableTarget(target, {"v": 3}), {"exact": exact_match})
    outcome = runner.run(
        _dataset(30), CallableTarget(_async(_answer), {"v": 3}), {"exact": exact_match}
    )
    assert outcome.cached == 12
    assert (outcome.called, outcome.means()["exact"], outcome.errors) == (18, 1.0, 0)


def test_no_timeout_waits_for_the_target() -> None:
    """timeout_s=None lets every call take as long as it needs."""

    async def slowish(x: str) -> str:
        await asyncio.sleep(0.01)
        return _answer(x)

    outcome = Runner(timeout_s=None).run(_dataset(3), CallableTarget(slowish), {"e": exact_match})
    assert (outcome.errors, outcome.means()) == (0, {"e": 1.0})


def test_outcome_repr_stays_short() -> None:
    """An outcome's repr names its counts instead of walking every result."""
    outcome = Runner().run(_dataset(500), CallableTarget(_answer), {"e": exact_match})
    assert repr(outcome).startswith("RunOutcome(run_id=") and len(repr(outcome)) < 200
