"""Reviewers' decisions on sampled eval outputs come back as a separate human-graded metric."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from surefoot.core import FakeClock
from surefoot.evals import (
    CallableTarget,
    Dataset,
    Runner,
    RunOutcome,
    compare_runs,
    exact_match,
    html_report,
    human_grades,
    make_case,
    print_comparison,
    sample_for_review,
)
from surefoot.review import ReviewQueue
from surefoot.store import EvalStore, Store

_DATA = Dataset.from_cases("h", [make_case(f"q{i}", f"q{i}") for i in range(12)])


@pytest.fixture(name="evals")
def _evals(store: Store) -> EvalStore:
    return EvalStore(store.engine)


def _stored_run(evals: EvalStore, config: int) -> RunOutcome:
    outcome = Runner(evals, clock=FakeClock()).run(
        _DATA, CallableTarget(str, {"v": config}), {"exact": exact_match}
    )
    evals.save_run(outcome.run)
    return outcome


def _decide(queue: ReviewQueue, verdicts: list[str]) -> None:
    # Reviewers take items in claim order and approve, reject or correct them.
    for verdict in verdicts:
        item = queue.claim("ann")
        assert item is not None
        if verdict == "approve":
            queue.approve(item.item_id, "ann")
        elif verdict == "reject":
            queue.reject(item.item_id, "ann")
        else:
            queue.correct(item.item_id, "ann", "the right answer")


def test_decisions_become_grades_with_pending_count(store: Store, evals: EvalStore) -> None:
    """Approvals grade 1, rejections and corrections 0; undecided samples count as pending."""
    outcome = _stored_run(evals, 1)
    sample_for_review(outcome, _DATA, evals, rate=0.5, seed=1, clock=FakeClock())
    queued = len(_items(store))
    _decide(ReviewQueue(store, clock=FakeClock()), ["approve", "approve", "reject", "correct"])
    grades = human_grades(evals, outcome.run)
    assert (grades.count, grades.pending) == (4, queued - 4)
    assert sorted(grades.grades.values()) == [0.0, 0.0, 1.0, 1.0]
    assert grades.mean == 0.5


def _items(store: Store) -> list[object]:
    """Every review item in the store."""
    return list(ReviewQueue(store).items(limit=1000))


def test_rerun_of_same_configuration_shares_grades(store: Store, evals: EvalStore) -> None:
    """Grades belong to the output, so a cached re-run of the configuration shows them too."""
    first = _stored_run(evals, 1)
    sample_for_review(first, _DATA, evals, rate=1.0, clock=FakeClock())
    _decide(ReviewQueue(store, clock=FakeClock()), ["approve", "reject"])
    again = _stored_run(evals, 1)
    other = _stored_run(evals, 2)
    assert human_grades(evals, again.run).grades == human_grades(evals, first.run).grades
    assert human_grades(evals, other.run).count == 0


def test_compare_and_report_show_the_human_metric(store: Store, evals: EvalStore) -> None:
    """compare_runs carries both runs' human grades with counts, and reports print them."""
    base, cand = _stored_run(evals, 1), _stored_run(evals, 2)
    queue = ReviewQueue(store, clock=FakeClock())
    sample_for_review(base, _DATA, evals, rate=1.0, clock=FakeClock())
    _decide(queue, ["approve"] * 3)
    sample_for_review(cand, _DATA, evals, rate=1.0, clock=FakeClock(), priority=-1)
    cmp = compare_runs(evals, base.run.run_id, cand.run.run_id)
    assert cmp.human is not None
    assert (cmp.human.baseline.count, cmp.human.candidate.count) == (3, 0)
    assert cmp.human.candidate.pending == 12 and cmp.human.paired is None
    assert "human" not in cmp.metrics  # never mixed into the gated metrics
    out = io.StringIO()
    print_comparison(cmp, Console(file=out, width=200))
    assert "human (reviewers, not gated): 1.0000 (n=3, 9 pending) -> n/a (n=0, 12" in (
        out.getvalue()
    )
    assert "human (reviewers, not gated)" in html_report(cmp, {}, {}, {})


def test_paired_human_delta_over_cases_graded_in_both(store: Store, evals: EvalStore) -> None:
    """When a human graded the same cases in both runs, the delta is paired over those cases."""
    base, cand = _stored_run(evals, 1), _stored_run(evals, 2)
    one = Dataset.from_cases("h", _DATA.cases[:1])
    sample_for_review(base, one, evals, rate=1.0, clock=FakeClock())
    _decide(ReviewQueue(store, clock=FakeClock()), ["approve"])
    sample_for_review(cand, one, evals, rate=1.0, clock=FakeClock())
    _decide(ReviewQueue(store, clock=FakeClock()), ["reject"])
    cmp = compare_runs(evals, base.run.run_id, cand.run.run_id)
    assert cmp.human is not None and cmp.human.paired is not None
    assert (cmp.human.paired.n, cmp.human.paired.delta) == (1, -1.0)
