"""Running suites, comparing runs and the regression gate.

The gate blocks a candidate when, for some metric, the whole one-sided 95 % confidence bound
of its mean change lies below minus the metric's threshold: ``ci_high < -threshold``, where
``ci_high`` is the upper end of the two-sided 90 % paired bootstrap interval of
candidate - baseline over the cases both runs scored (oriented so that positive is better).
In words: we are 95 % confident the metric dropped by more than the tolerated amount.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from surefoot.core._clock import SYSTEM_CLOCK, Clock
from surefoot.core.errors import InvalidInput
from surefoot.evals._dataset import Dataset
from surefoot.evals._judge import ModelJudge
from surefoot.evals._runner import Runner, RunOutcome
from surefoot.evals._stats import PairedComparison, paired_compare
from surefoot.evals._target import ProviderTarget

if TYPE_CHECKING:
    from collections.abc import Mapping

    from surefoot.core._eval_records import EvalRunRecord
    from surefoot.evals._suite import Suite
    from surefoot.store import EvalStore

__all__ = ["Comparison", "GateVerdict", "compare_runs", "gate", "run_suite"]

GATE_CONFIDENCE = 0.90  # two-sided, so each bound is a one-sided 95 % bound
MIN_CASES = 10  # below this the bootstrap interval is too coarse to trust


def run_suite(
    suite: Suite,
    store: EvalStore,
    *,
    clock: Clock = SYSTEM_CLOCK,
    progress: bool = False,
) -> RunOutcome:
    """Import the suite's dataset as a new version (if changed), run it and store the run."""
    dataset = Dataset.read(suite.dataset)
    # The whole file is versioned; a suite's split only selects which cases are run.
    version = store.save_dataset(dataset.name, dataset.cases, clock.now_ns())
    if suite.split is not None:
        dataset = dataset.split(suite.split)
        if not dataset.cases:
            raise InvalidInput(
                f"{suite.path}: split {suite.split!r} has no cases in {suite.dataset}"
            )
    runner = Runner(
        store,
        concurrency=suite.concurrency,
        timeout_s=suite.timeout_s,
        samples=suite.samples,
        clock=clock,
        progress=progress,
    )
    outcome = asyncio.run(_run_closing(runner, dataset, suite))
    outcome.run = dataclasses.replace(outcome.run, dataset_version=version)
    store.save_run(outcome.run)
    return outcome


async def _run_closing(runner: Runner, dataset: Dataset, suite: Suite) -> RunOutcome:
    # The suite built these clients, so it closes them, inside the loop their pools belong to.
    target = suite.build_target()
    try:
        return await runner.arun(dataset, target, suite.scorers, suite=suite.name)
    finally:
        providers = [m.scorer.provider for m in suite.metrics if isinstance(m.scorer, ModelJudge)]
        if isinstance(target, ProviderTarget):
            providers.append(target.provider)
        for provider in providers:
            await provider.aclose()


@dataclass(frozen=True)
class Comparison:
    """Two runs compared metric by metric over their shared cases.

    Args:
        baseline: the baseline run's id.
        candidate: the candidate run's id.
        metrics: per metric, the paired comparison (delta oriented: positive is better).
        changed: per metric, the case hashes whose score changed, worst change first.
        worse: per metric, the case hashes whose score got worse.
    """

    baseline: str
    candidate: str
    metrics: dict[str, PairedComparison]
    changed: dict[str, list[str]] = field(default_factory=dict)
    worse: dict[str, list[str]] = field(default_factory=dict)


def _load(store: EvalStore, run_id: str) -> EvalRunRecord:
    run = store.get_run(run_id)
    if run is None:
        raise InvalidInput(
            f"no eval run {run_id!r} in the store; list runs with 'surefoot eval runs'"
        )
    return run


def compare_runs(
    store: EvalStore,
    baseline: str,
    candidate: str,
    *,
    confidence: float = 0.95,
    seed: int = 0,
) -> Comparison:
    """Compare two stored runs over the cases both scored, metric by metric."""
    a, b = _load(store, baseline), _load(store, candidate)
    return compare_scores(a, b, confidence=confidence, seed=seed)


def compare_scores(
    a: EvalRunRecord,
    b: EvalRunRecord,
    *,
    confidence: float = 0.95,
    seed: int = 0,
    resamples: int = 2000,
) -> Comparison:
    """Compare two run records (see :func:`compare_runs`)."""
    shared = sorted(set(a.scores) & set(b.scores))
    if not shared:
        raise InvalidInput(
            f"runs {a.run_id} and {b.run_id} share no cases; compare runs of the same dataset"
        )
    lower = set(a.config.get("lower_is_better", [])) | set(b.config.get("lower_is_better", []))
    names = sorted(set(a.scores[shared[0]]) & set(b.scores[shared[0]]))
    result = Comparison(a.run_id, b.run_id, {})
    for name in names:
        sign = -1.0 if name in lower else 1.0
        base = [a.scores[h][name] for h in shared]
        cand = [b.scores[h][name] for h in shared]
        cmp = paired_compare(
            name,
            [sign * x for x in base],
            [sign * x for x in cand],
            confidence=confidence,
            seed=seed,
            resamples=resamples,
        )
        # Report the means in the metric's own units; only the delta is oriented.
        result.metrics[name] = dataclasses.replace(
            cmp, baseline=sign * cmp.baseline, candidate=sign * cmp.candidate
        )
        deltas = {h: sign * (b.scores[h][name] - a.scores[h][name]) for h in shared}
        moved = sorted((h for h in shared if deltas[h] != 0), key=lambda h: deltas[h])
        result.changed[name] = moved
        result.worse[name] = [h for h in moved if deltas[h] < 0]
    return result


@dataclass(frozen=True)
class GateVerdict:
    """The gate's answer.

    Args:
        passed: whether the candidate may ship.
        comparison: the comparison it was based on (at the gate's confidence).
        failures: per failing metric, the message naming it and its worst cases.
        notes: warnings that do not block, e.g. too few cases to judge.
    """

    passed: bool
    comparison: Comparison
    failures: dict[str, str]
    notes: list[str]


def gate(
    baseline: EvalRunRecord,
    candidate: EvalRunRecord,
    thresholds: Mapping[str, float],
    *,
    seed: int = 0,
    resamples: int = 2000,
) -> GateVerdict:
    """Block when a metric dropped past its threshold with confidence (see the module doc)."""
    comparison = compare_scores(
        baseline, candidate, confidence=GATE_CONFIDENCE, seed=seed, resamples=resamples
    )
    failures: dict[str, str] = {}
    notes: list[str] = []
    for name, threshold in thresholds.items():
        cmp = comparison.metrics.get(name)
        if cmp is None:
            notes.append(f"{name}: not scored in both runs, not gated")
            continue
        if cmp.n < MIN_CASES:
            notes.append(f"{name}: only {cmp.n} shared cases, too few to judge")
        if cmp.ci_high < -threshold:
            cases = ", ".join(c[:12] for c in comparison.worse[name][:10])
            failures[name] = (
                f"{name} dropped by {-cmp.delta:.4g} (95% bound {-cmp.ci_high:.4g} > threshold "
                f"{threshold:g}, p={cmp.p_value:.3g}); worst cases: {cases}"
            )
    return GateVerdict(not failures, comparison, failures, notes)
