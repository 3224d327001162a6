"""The human loop, through the store: promoted review cases become eval cases, and a sample of
eval results goes to the review queue for human grading.

``evals`` never imports ``review``: both read and write the same records of ``core`` through the
store's repositories.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from surefoot.core._clock import SYSTEM_CLOCK, Clock
from surefoot.core._ids import new_id
from surefoot.core._loop_records import CaseStatus, ReviewItem, ReviewOrigin
from surefoot.evals._dataset import Dataset, make_case
from surefoot.store import EvalStore

if TYPE_CHECKING:
    from surefoot.core._eval_records import EvalCase
    from surefoot.evals._runner import RunOutcome
    from surefoot.store import ReviewStore

__all__ = ["promoted_cases", "sample_for_review"]


def promoted_cases(review: ReviewStore, name: str, *, limit: int = 100_000) -> Dataset:
    """The cases reviewers promoted (production failures, corrections) as a dataset.

    Candidates that nobody promoted are left out; origins and tags are kept.
    """
    cases = review.list_cases(CaseStatus.PROMOTED, limit=limit)
    return Dataset.from_cases(
        name, (make_case(c.input, c.expected, tags=c.tags, origin=c.origin) for c in cases)
    )


def sample_for_review(
    outcome: RunOutcome,
    cases: Dataset,
    review: ReviewStore | EvalStore,
    *,
    rate: float,
    seed: int = 0,
    priority: int = 0,
    clock: Clock = SYSTEM_CLOCK,
) -> list[ReviewItem]:
    """Queue a seeded random share of the run's cases for a human to grade.

    Args:
        outcome: the run whose answers are sampled.
        cases: the dataset it ran (for inputs and expected values).
        review: a repository on the store the queue lives in; items are written with a link
            to the run's outputs.
        rate: share of cases to sample, 0 to 1.
        seed: makes the sample repeatable.
        priority: priority of the queued items.
        clock: stamps the items.

    Returns:
        The items queued; reviewers' decisions on them come back through
        :func:`~surefoot.evals.human_grades`.
    """
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate is {rate}; give a share between 0 and 1")
    rng = random.Random(seed)
    chosen = [c for c in cases.cases if c.case_hash in outcome.results and rng.random() < rate]
    items = [_item(outcome, case, priority, clock.now_ns()) for case in chosen]
    # Queued with a link to the graded output, so the decisions read back as human grades.
    EvalStore(review.engine).queue_review_samples(
        outcome.run.run_id, outcome.run.config_hash, [(i.subject or "", i) for i in items]
    )
    return items


def _item(outcome: RunOutcome, case: EvalCase, priority: int, now_ns: int) -> ReviewItem:
    first = outcome.results[case.case_hash][0] if outcome.results[case.case_hash] else None
    payload = {
        "run_id": outcome.run.run_id,
        "case_hash": case.case_hash,
        "input": case.input,
        "expected": case.expected,
        "output": first.output if first else None,
        "error": first.error if first else None,
        "scores": outcome.run.scores.get(case.case_hash, {}),
    }
    return ReviewItem(
        item_id=new_id(),
        origin=ReviewOrigin.SAMPLE,
        reason=f"eval sample of run {outcome.run.run_id}: grade the answer",
        payload=payload,
        subject=case.case_hash,
        priority=priority,
        created_ns=now_ns,
    )
