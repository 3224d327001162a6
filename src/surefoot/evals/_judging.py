"""Judge grading of a run's results: cached in the store, concurrent within a bound.

A grade is cached under (judge hash, case hash, output hash, judge run). The judge hash covers
the pinned model, the rubric, the temperature and the instructions, so a changed rubric is a new
judge; the output hash means a changed answer is graded afresh while an unchanged one (a cached
target result, or two samples that said the same thing) is never graded twice. Each judge run
keeps its own seed and its own row, so repeated sampling still yields distinct grades and
flakiness is still measured on a re-run that asks the judge nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from surefoot.evals._judge import JudgeVerdict, ModelJudge, verdict_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from surefoot.core._clock import Clock
    from surefoot.core._eval_records import EvalCase, EvalResult
    from surefoot.store import EvalStore

__all__ = ["JudgeGrades", "grade_results", "output_hash"]

GradeKey = tuple[str, str, int]


def output_hash(output: Any) -> str:
    """sha256 of an output's canonical JSON: what the judge saw, exactly (not normalised).

    Examples:
        >>> output_hash({"b": 1, "a": 2}) == output_hash({"a": 2, "b": 1})
        True
    """
    text = json.dumps(output, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class JudgeGrades:
    """One judge's verdicts over a run.

    Args:
        verdicts: per (case hash, sample), the verdict over the judge's runs.
        called: judge calls made.
        cached: grades read from the store instead.
        errors: per case hash, why the judge could not grade it (the case is left unscored).
    """

    verdicts: dict[tuple[str, int], JudgeVerdict] = field(default_factory=dict)
    called: int = 0
    cached: int = 0
    errors: dict[str, str] = field(default_factory=dict)


async def grade_results(
    judge: ModelJudge,
    cases: Mapping[str, EvalCase],
    results: Mapping[str, list[EvalResult]],
    *,
    store: EvalStore | None,
    concurrency: int,
    timeout_s: float | None,
    batch_size: int,
    clock: Clock,
) -> JudgeGrades:
    """Grade every successful result ``judge.runs`` times, from the cache where possible."""
    key_of = judge.judge_hash
    grades = store.cached_grades(key_of, results) if store is not None else {}
    out = JudgeGrades(cached=0)
    todo: dict[GradeKey, tuple[EvalCase, Any]] = {}
    for h, rs in results.items():
        for r in rs:
            if r.error is None:
                oh = output_hash(r.output)
                for run in range(judge.runs):
                    key = (h, oh, run)
                    if key in grades:
                        out.cached += 1
                    else:
                        todo.setdefault(key, (cases[h], r.output))
    fresh = await _ask(judge, todo, store, out, concurrency, timeout_s, batch_size, clock)
    grades.update(fresh)
    for h, rs in results.items():
        for r in rs:
            if r.error is None and h not in out.errors:
                oh = output_hash(r.output)
                runs = [grades[(h, oh, run)] for run in range(judge.runs)]
                out.verdicts[(h, r.sample)] = verdict_of(runs)
    return out


async def _ask(
    judge: ModelJudge,
    todo: Mapping[GradeKey, tuple[EvalCase, Any]],
    store: EvalStore | None,
    out: JudgeGrades,
    concurrency: int,
    timeout_s: float | None,
    batch_size: int,
    clock: Clock,
) -> dict[GradeKey, tuple[float, str]]:
    fresh: dict[GradeKey, tuple[float, str]] = {}
    pending: dict[GradeKey, tuple[float, str]] = {}
    work = iter(todo.items())

    def flush() -> None:
        if store is not None and pending:
            store.write_grades(judge.judge_hash, pending, clock.now_ns())
        pending.clear()

    async def worker() -> None:
        # One shared iterator: the event loop is single-threaded, so next() is safe.
        for key, (case, output) in work:
            out.called += 1
            try:
                grade = await asyncio.wait_for(
                    judge.agrade(case.input, output, case.expected, key[2]), timeout_s
                )
            except TimeoutError:
                out.errors[key[0]] = f"the judge timed out after {timeout_s:g} s"
                continue
            except Exception as exc:  # one bad grade leaves its case unscored, not the run
                out.errors[key[0]] = f"{type(exc).__name__}: {exc}"
                continue
            fresh[key] = pending[key] = grade
            if len(pending) >= batch_size:
                flush()

    workers = [asyncio.ensure_future(worker()) for _ in range(min(concurrency, len(todo)) or 1)]
    try:
        await asyncio.gather(*workers)
    finally:
        # Grades finished before an interruption are kept, as the runner keeps its results.
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        flush()
    return fresh
