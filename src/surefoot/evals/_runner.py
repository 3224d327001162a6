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
from typing import TYPE_CHECKING

from rich.progress import Progress

from surefoot import tracing
from surefoot.core._clock import SYSTEM_CLOCK, Clock
from surefoot.core._eval_records import EvalCase, EvalResult, EvalRunRecord
from surefoot.core._ids import new_id
from surefoot.core._records import SpanKind
from surefoot.evals._judge import ModelJudge
from surefoot.evals._scorers import ResultMetric, Scorer
from surefoot.evals._target import Target, config_hash

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from surefoot.evals._dataset import Dataset
    from surefoot.store import EvalStore

__all__ = ["RunOutcome", "Runner"]

Metric = Scorer | ModelJudge | ResultMetric


@dataclass
class RunOutcome:
    """What a run produced.

    Args:
        run: the stored run record, with per-case scores.
        results: each case's results (one per sample), by case hash.
        called: how many target calls this run made.
        cached: how many results came from the cache.
        flaky: per case hash, the metrics whose samples or judge runs disagreed.
    """

    run: EvalRunRecord
    results: dict[str, list[EvalResult]]
    called: int = 0
    cached: int = 0
    flaky: dict[str, list[str]] = field(default_factory=dict)

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
        timeout_s: per-call timeout; a timeout is recorded as the case's error.
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
        timeout_s: float = 30.0,
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
        scores, flaky = await self._score(cases, results, metrics)
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
            },
            scores=scores,
            created_ns=self.clock.now_ns(),
        )
        return RunOutcome(run, results, called=len(todo), cached=len(done), flaky=flaky)

    async def _answer(
        self,
        todo: list[tuple[EvalCase, int]],
        target: Target,
        chash: str,
        results: dict[str, list[EvalResult]],
    ) -> None:
        pending: list[EvalResult] = []
        work: Iterator[tuple[EvalCase, int]] = iter(todo)
        with Progress(disable=not self.progress, transient=True) as bar:
            task = bar.add_task("evaluating", total=len(todo))

            async def worker() -> None:
                # One shared iterator: the event loop is single-threaded, so next() is safe.
                for case, sample in work:
                    result = await self._one(case, sample, target, chash)
                    results[case.case_hash].append(result)
                    pending.append(result)
                    bar.advance(task)
                    if len(pending) >= self.batch_size:
                        self._flush(pending)

            workers = [asyncio.ensure_future(worker()) for _ in range(self.concurrency)]
            try:
                await asyncio.gather(*workers)
            finally:
                # On an interruption, stop the other workers before committing what finished,
                # so no result lands after the last flush.
                for w in workers:
                    w.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
                self._flush(pending)

    def _flush(self, pending: list[EvalResult]) -> None:
        if self.store is not None and pending:
            self.store.write_results(pending)
        pending.clear()

    async def _one(self, case: EvalCase, sample: int, target: Target, chash: str) -> EvalResult:
        attrs = {"surefoot.eval.case": case.case_hash, "surefoot.eval.config": chash}
        async with tracing.span(
            "eval case", SpanKind.EVAL, attributes=attrs, input=case.input
        ) as sp:
            start = time.perf_counter()
            output, cost, error = None, None, None
            try:
                answer = await asyncio.wait_for(target.acall(case.input), self.timeout_s)
                output, cost = answer.output, answer.cost_usd
                sp.set_output(output)
            except TimeoutError:
                error = f"timed out after {self.timeout_s:g} s"
            except Exception as exc:  # a failing case is a result, never the end of the run
                error = f"{type(exc).__name__}: {exc}"
                sp.record_error(exc)
            latency = time.perf_counter() - start
        return EvalResult(
            case.case_hash, chash, sample, output, error, latency, cost, self.clock.now_ns()
        )

    async def _score(
        self,
        cases: Mapping[str, EvalCase],
        results: Mapping[str, list[EvalResult]],
        metrics: Mapping[str, Metric],
    ) -> tuple[dict[str, dict[str, float]], dict[str, list[str]]]:
        scores: dict[str, dict[str, float]] = {}
        flaky: dict[str, list[str]] = {}
        for h, case in cases.items():
            per_metric: dict[str, float] = {}
            for name, metric in metrics.items():
                values, unstable = await _metric_values(metric, case, results[h])
                per_metric[name] = statistics.fmean(values) if values else 0.0
                if unstable or len(set(values)) > 1:
                    flaky.setdefault(h, []).append(name)
            scores[h] = per_metric
        return scores, flaky


async def _metric_values(
    metric: Metric, case: EvalCase, results: list[EvalResult]
) -> tuple[list[float], bool]:
    if isinstance(metric, ResultMetric):
        return [float(getattr(r, metric.field) or 0.0) for r in results], False
    if isinstance(metric, ModelJudge):
        values, unstable = [], False
        for r in results:
            if r.error is not None:
                values.append(0.0)
                continue
            verdict = await metric.ajudge(case.input, r.output, case.expected)
            values.append(verdict.score)
            unstable = unstable or verdict.flaky
        return values, unstable
    # A failed call scores 0: an error is a wrong answer from the user's point of view.
    return [
        0.0 if r.error is not None else float(metric(r.output, case.expected)) for r in results
    ], False
