"""Running suites, comparing runs and the regression gate.

The gate blocks a candidate when, for some metric, the whole one-sided 95 % confidence bound
of its mean change lies below minus the metric's threshold: ``ci_high < -threshold``, where
``ci_high`` is the upper end of the two-sided 90 % paired bootstrap interval of
candidate - baseline over the cases both runs scored (oriented so that positive is better).
In words: we are 95 % confident the metric dropped by more than the tolerated amount. With k
gated metrics each bound is taken at 1 - 5 %/k (Bonferroni), so noise alone blocks a change with
at most 5 % chance however many metrics are gated; ``compare`` also reports Holm-adjusted
p-values for the same reason.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from surefoot.core._clock import SYSTEM_CLOCK, Clock
from surefoot.core.errors import InvalidInput
from surefoot.evals._dataset import Dataset
from surefoot.evals._human import HumanComparison, compare_human
from surefoot.evals._judge import ModelJudge
from surefoot.evals._runner import Runner, RunOutcome
from surefoot.evals._similarity import ProviderEmbedder
from surefoot.evals._stats import PairedComparison, holm_adjust, paired_compare
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
        # Embedding scorers are synchronous, so their provider used its sync client.
        for m in suite.metrics:
            embedder = getattr(m.scorer, "embedder", None)
            if isinstance(embedder, ProviderEmbedder):
                embedder.provider.close()


@dataclass(frozen=True)
class Comparison:
    """Two runs compared metric by metric over their shared cases.

    Args:
        baseline: the baseline run's id.
        candidate: the candidate run's id.
        metrics: per metric, the paired comparison (delta oriented: positive is better).
        changed: per metric, the case hashes whose score changed, worst change first.
        worse: per metric, the case hashes whose score got worse.
        human: the runs' human grades from the review queue, when read from a store.
        p_holm: per metric, the p-value adjusted (Holm) for comparing several metrics at once.
    """

    baseline: str
    candidate: str
    metrics: dict[str, PairedComparison]
    changed: dict[str, list[str]] = field(default_factory=dict)
    worse: dict[str, list[str]] = field(default_factory=dict)
    human: HumanComparison | None = None
    p_holm: dict[str, float] = field(default_factory=dict)


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
    """Compare two stored runs over the cases both scored, metric by metric.

    Human grades of both runs' outputs are read back from the review queue beside them.
    """
    a, b = _load(store, baseline), _load(store, candidate)
    cmp = compare_scores(a, b, confidence=confidence, seed=seed)
    return dataclasses.replace(cmp, human=compare_human(store, a, b, seed=seed))


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
    names = sorted(
        {m for h in shared for m in a.scores[h]} & {m for h in shared for m in b.scores[h]}
    )
    result = Comparison(a.run_id, b.run_id, {})
    for name in names:
        sign = -1.0 if name in lower else 1.0
        # A case a judge could not grade has no score for it: pair only the cases both have.
        paired = [h for h in shared if name in a.scores[h] and name in b.scores[h]]
        if not paired:
            continue
        base = [a.scores[h][name] for h in paired]
        cand = [b.scores[h][name] for h in paired]
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
        deltas = {h: sign * (b.scores[h][name] - a.scores[h][name]) for h in paired}
        moved = sorted((h for h in paired if deltas[h] != 0), key=lambda h: deltas[h])
        result.changed[name] = moved
        result.worse[name] = [h for h in moved if deltas[h] < 0]
    result.p_holm.update(holm_adjust({n: c.p_value for n, c in result.metrics.items()}))
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
    """Block when a metric dropped past its threshold with confidence (see the module doc).

    With several gated metrics the one-sided level is split between them (Bonferroni), so the
    chance that noise alone blocks a change stays at most 5 % however many metrics are gated.
    """
    gated = max(1, len(thresholds))
    confidence = 1.0 - (1.0 - GATE_CONFIDENCE) / gated
    comparison = compare_scores(
        baseline, candidate, confidence=confidence, seed=seed, resamples=resamples
    )
    failures: dict[str, str] = {}
    notes: list[str] = []
    bound = f"{100 * (1 + confidence) / 2:.4g}%"
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
                f"{name} dropped by {-cmp.delta:.4g} ({bound} bound {-cmp.ci_high:.4g} > threshold "
                f"{threshold:g}, p={cmp.p_value:.3g}); worst cases: {cases}"
            )
    return GateVerdict(not failures, comparison, failures, notes)
