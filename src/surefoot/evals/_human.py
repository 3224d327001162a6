"""Human grades: reviewers' decisions on sampled eval outputs, read back as a metric.

:func:`~surefoot.evals.sample_for_review` queues outputs as review items and links each to the
(case, target configuration) whose output it shows. A reviewer who approves the output grades it
1; one who rejects or corrects it grades it 0. Grades belong to the output, so every run of the
same configuration (they share cached outputs) shows them. They are sparse, so they stand beside
the automatic metrics with their own count, and are never gated on.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from surefoot.core._loop_records import ReviewStatus
from surefoot.evals._stats import PairedComparison, paired_compare

if TYPE_CHECKING:
    from surefoot.core._eval_records import EvalRunRecord
    from surefoot.store import EvalStore

__all__ = ["HUMAN_METRIC", "HumanComparison", "HumanGrades", "compare_human", "human_grades"]

HUMAN_METRIC = "human"
_GRADE = {ReviewStatus.APPROVED: 1.0, ReviewStatus.REJECTED: 0.0, ReviewStatus.CORRECTED: 0.0}
_WAITING = {ReviewStatus.OPEN, ReviewStatus.CLAIMED}


@dataclass(frozen=True)
class HumanGrades:
    """The human grades of one run's outputs.

    Args:
        run_id: the run.
        grades: per case hash, the mean of its reviewers' grades (1 approved, 0 rejected or
            corrected).
        pending: sampled outputs nobody has decided yet.
        expired: sampled outputs whose review deadline passed undecided.
    """

    run_id: str
    grades: dict[str, float] = field(default_factory=dict)
    pending: int = 0
    expired: int = 0

    @property
    def count(self) -> int:
        """How many cases a human graded."""
        return len(self.grades)

    @property
    def mean(self) -> float | None:
        """The mean human grade, None when nothing is graded yet."""
        return statistics.fmean(self.grades.values()) if self.grades else None


def human_grades(store: EvalStore, run: EvalRunRecord) -> HumanGrades:
    """Read the reviewers' decisions on the outputs of ``run`` (by its configuration)."""
    per_case: dict[str, list[float]] = {}
    pending = expired = 0
    for case, status, _ in store.review_decisions(run.config_hash, run.scores):
        decided = ReviewStatus(status)
        if decided in _GRADE:
            per_case.setdefault(case, []).append(_GRADE[decided])
        elif decided in _WAITING:
            pending += 1
        else:
            expired += 1
    grades = {h: statistics.fmean(v) for h, v in per_case.items()}
    return HumanGrades(run.run_id, grades, pending, expired)


@dataclass(frozen=True)
class HumanComparison:
    """Human grades of two runs side by side.

    Args:
        baseline: the baseline's grades.
        candidate: the candidate's grades.
        paired: the paired comparison over cases graded in both runs, None when there are none.
    """

    baseline: HumanGrades
    candidate: HumanGrades
    paired: PairedComparison | None = None


def compare_human(
    store: EvalStore, baseline: EvalRunRecord, candidate: EvalRunRecord, *, seed: int = 0
) -> HumanComparison:
    """Both runs' human grades, paired over the cases a human graded in each."""
    a, b = human_grades(store, baseline), human_grades(store, candidate)
    shared = sorted(set(a.grades) & set(b.grades))
    paired = None
    if shared:
        paired = paired_compare(
            HUMAN_METRIC, [a.grades[h] for h in shared], [b.grades[h] for h in shared], seed=seed
        )
    return HumanComparison(a, b, paired)
