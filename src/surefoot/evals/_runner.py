"""The runner: every case through the target with bounded concurrency, cached and traced.

Results are cached in the store under (case hash, configuration hash, sample), so a re-run of
the same configuration only calls the target for cases it has not answered. Completed results
are committed in small batches, one transaction each, and flushed on the way out of an
interruption: a run that is stopped leaves whole rows or none, and re-running completes it.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.progress import Progress

from surefoot import tracing
from surefoot.core._clock import SYSTEM_CLOCK, Clock
from surefoot.core._eval_records import EvalCase, EvalResult, EvalRunRecord
from surefoot.core._ids import new_id
from surefoot.core._records import SpanKind
from surefoot.evals._judge import ModelJudge
from surefoot.evals._judging import JudgeGrades, grade_results
from surefoot.evals._scorers import ResultMetric, Scorer
from surefoot.evals._target import Target, config_hash
from surefoot.evals._writer import BatchWriter

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from surefoot.evals._dataset import Dataset
    from surefoot.store import EvalStore

__all__ = ["RunOutcome", "Runner"]

Metric = Scorer | ModelJudge | ResultMetric


@dataclass(repr=False)
class RunOutcome:
    """What a run produced.

    Args:
        run: the stored run record, with per-case scores.
        results: each case's results (one per sample), by case hash.
        called: how many target calls this run made.
        cached: how many results came from the cache.
        flaky: per case hash, the metrics whose samples or judge runs disagreed.
        judged: judge calls this run made.
        judge_cached: judge grades read from the store instead of asked again.
        unscored: per metric, per case hash, why the judge could not grade the case; such a
            case has no score for that metric.
    """

    run: EvalRunRecord
    results: dict[str, list[EvalResult]]
    called: int = 0
    cached: int = 0
    flaky: dict[str, list[str]] = field(default_factory=dict)
    judged: int = 0
    judge_cached: int = 0
    unscored: dict[str, dict[str, str]] = field(default_factory=dict)

    def __repr__(self) -> str:
        # Short on purpose: a full repr walks every result, and asyncio.run (3.11) formats the
        # main task's result when it restores the SIGINT handler, which cost ~10 us per case.
        return (
            f"RunOutcome(run_id={self.run.run_id!r}, cases={len(self.results)}, "
            f"called={self.called}, cached={self.cached}, errors={self.errors})"
        )

    @property
    def errors(self) -> int:
        """How many results are errors (timeouts, provider failures)."""
        return sum(r.error is not None for rs in self.results.values() for r in rs)

    def means(self) -> dict[str, float]:
        """Each metric's mean over the cases."""
        per_case = list(self.run.scores.values())
        names = sorted({m for s in per_case for m in s})
        return {m: statistics.fmean(s[m] for s in per_case if m in s) for m in names}


class Runner:
    """Runs datasets against targets.

    Args:
        store: where results are cached and runs stored; None runs in memory only.
        concurrency: at most this many target calls at once.
        timeout_s: per-call timeout; a timeout is recorded as the case's error. None waits
            as long as the target takes (and saves a timer per case).
        samples: how many times each case is asked (for flakiness of the target itself).
        batch_size: results committed per transaction.
        clock: the clock stamping results.
        progress: show a progress bar on the terminal.
    """

    def __init__(
        self,
        store: EvalStore | None = None,
        *,
        concurrency: int = 8,
        timeout_s: float | None = 30.0,
        samples: int = 1,
        batch_size: int = 64,
        clock: Clock = SYSTEM_CLOCK,
        progress: bool = False,
    ) -> None:
        if concurrency < 1 or samples < 1 or batch_size < 1:
            raise ValueError("concurrency, samples and batch_size must be at least 1")
        self.store, self.concurrency, self.timeout_s = store, concurrency, timeout_s
        self.samples, self.batch_size, self.clock = samples, batch_size, clock
        self.progress = progress

    def run(
        self, dataset: Dataset, target: Target, metrics: Mapping[str, Metric], *, suite: str = ""
    ) -> RunOutcome:
        """Run synchronously; see :meth:`arun`."""
        return asyncio.run(self.arun(dataset, target, metrics, suite=suite))

    async def arun(
        self, dataset: Dataset, target: Target, metrics: Mapping[str, Metric], *, suite: str = ""
    ) -> RunOutcome:
        """Answer every case of ``dataset`` with ``target`` and score it with ``metrics``."""
        chash = config_hash(target.config)
        cases = {c.case_hash: c for c in dataset.cases}
        results: dict[str, list[EvalResult]] = {h: [] for h in cases}
        cached = self.store.cached_results(chash, cases) if self.store else []
        for r in cached:
            if r.sample < self.samples:
                results[r.case_hash].append(r)
        done = {(r.case_hash, r.sample) for rs in results.values() for r in rs}
        todo = [
            (c, s)
            for c in dataset.cases
            for s in range(self.samples)
            if (c.case_hash, s) not in done
        ]
        await self._answer(todo, target, chash, results)
        judged = {
            name: await grade_results(
                m,
                cases,
                results,
                store=self.store,
                concurrency=self.concurrency,
                timeout_s=self.timeout_s,
                batch_size=self.batch_size,
                clock=self.clock,
            )
            for name, m in metrics.items()
            if isinstance(m, ModelJudge)
        }
        scores, flaky = _score(cases, results, metrics, judged)
        run = EvalRunRecord(
            run_id=new_id(),
            suite=suite or dataset.name,
            dataset=dataset.name,
            dataset_version=0,
            config_hash=chash,
            config={
                "target": dict(target.config),
                # Kept with the run so a comparison knows which way is worse without the suite.
                "lower_is_better": sorted(
                    n for n, m in metrics.items() if isinstance(m, ResultMetric)
                ),
                "judges": {
                    n: {**m.config, "judge_hash": m.judge_hash}
                    for n, m in metrics.items()
                    if isinstance(m, ModelJudge)
                },
            },
            scores=scores,
            created_ns=self.clock.now_ns(),
        )
        return RunOutcome(
            run,
            results,
            called=len(todo),
            cached=len(done),
            flaky=flaky,
            judged=sum(g.called for g in judged.values()),
            judge_cached=sum(g.cached for g in judged.values()),
            unscored={n: g.errors for n, g in judged.items() if g.errors},
        )

    async def _answer(
        self,
        todo: list[tuple[EvalCase, int]],
        target: Target,
        chash: str,
        results: dict[str, list[EvalResult]],
    ) -> None:
        writer = BatchWriter(self.store, self.batch_size)
        work: Iterator[tuple[EvalCase, int]] = iter(todo)
        # Decided once per run: without a recorder a span is a no-op, so skip building it.
        traced = tracing.is_initialised()
        with Progress(disable=not self.progress, transient=True) as bar:
            task = bar.add_task("evaluating", total=len(todo))
            show = self.progress

            async def worker() -> None:
                # One shared iterator: the event loop is single-threaded, so next() is safe.
                for case, sample in work:
                    result = await self._one(case, sample, target, chash, traced)
                    results[case.case_hash].append(result)
                    writer.add(result)
                    if show:
                        bar.advance(task)

            workers = [asyncio.ensure_future(worker()) for _ in range(self.concurrency)]
            try:
                await asyncio.gather(*workers)
            finally:
                # On an interruption, stop the other workers before committing what finished,
                # so no result lands after the last commit.
                for w in workers:
                    w.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
                await writer.aclose()

    async def _one(
        self, case: EvalCase, sample: int, target: Target, chash: str, traced: bool
    ) -> EvalResult:
        start = time.perf_counter()
        if traced:
            attrs = {"surefoot.eval.case": case.case_hash, "surefoot.eval.config": chash}
            async with tracing.span(
                "eval case", SpanKind.EVAL, attributes=attrs, input=case.input
            ) as sp:
                output, cost, error, exc = await self._call(case.input, target)
                if exc is not None:
                    sp.record_error(exc)
                elif error is None:
                    sp.set_output(output)
        else:
            output, cost, error, _ = await self._call(case.input, target)
        latency = time.perf_counter() - start
        return EvalResult(
            case.case_hash, chash, sample, output, error, latency, cost, self.clock.now_ns()
        )

    async def _call(
        self, input: Any, target: Target
    ) -> tuple[Any, float | None, str | None, Exception | None]:
        try:
            # A timeout scope, not wait_for: no extra task and context switch per case.
            async with asyncio.timeout(self.timeout_s):
                answer = await target.acall(input)
        except TimeoutError:
            return None, None, f"timed out after {self.timeout_s:g} s", None
        except Exception as exc:  # a failing case is a result, never the end of the run
            return None, None, f"{type(exc).__name__}: {exc}", exc
        return answer.output, answer.cost_usd, None, None


def _score(
    cases: Mapping[str, EvalCase],
    results: Mapping[str, list[EvalResult]],
    metrics: Mapping[str, Metric],
    judged: Mapping[str, JudgeGrades],
) -> tuple[dict[str, dict[str, float]], dict[str, list[str]]]:
    scores: dict[str, dict[str, float]] = {}
    flaky: dict[str, list[str]] = {}
    for h, case in cases.items():
        per_metric: dict[str, float] = {}
        for name, metric in metrics.items():
            grades = judged.get(name)
            if grades is not None and h in grades.errors:
                continue  # the judge failed on this case: unscored, not a zero
            values, unstable = _metric_values(metric, case, results[h], grades)
            per_metric[name] = statistics.fmean(values) if values else 0.0
            if unstable or len(set(values)) > 1:
                flaky.setdefault(h, []).append(name)
        scores[h] = per_metric
    return scores, flaky


def _metric_values(
    metric: Metric, case: EvalCase, results: list[EvalResult], grades: JudgeGrades | None
) -> tuple[list[float], bool]:
    if isinstance(metric, ResultMetric):
        return [float(getattr(r, metric.field) or 0.0) for r in results], False
    if isinstance(metric, ModelJudge):
        # A failed call scores 0 with the judge too; graded samples carry their verdicts.
        grades = grades or JudgeGrades()
        verdicts = [grades.verdicts.get((case.case_hash, r.sample)) for r in results]
        values = [v.score if v is not None else 0.0 for v in verdicts]
        return values, any(v is not None and v.flaky for v in verdicts)
    # A failed call scores 0: an error is a wrong answer from the user's point of view.
    return [
        0.0 if r.error is not None else float(metric(r.output, case.expected)) for r in results
    ], False
