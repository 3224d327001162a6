"""Evals meet the review queue through the store: promoted cases in, sampled answers out."""

from __future__ import annotations

import pytest

from surefoot.core import Case, CaseOrigin, CaseStatus, FakeClock, ReviewOrigin, new_id
from surefoot.evals import (
    CallableTarget,
    Dataset,
    Runner,
    exact_match,
    make_case,
    promoted_cases,
    sample_for_review,
)
from surefoot.store import ReviewStore, Store


@pytest.fixture(name="review")
def _review(store: Store) -> ReviewStore:
    return ReviewStore(store.engine)


def _case(text: str, status: CaseStatus) -> Case:
    return Case(
        new_id(),
        text,
        text.upper(),
        CaseOrigin.PRODUCTION_FAILURE,
        status,
        ("prod",),
        fingerprint=new_id() * 2,
    )


def test_only_promoted_cases_become_eval_cases(review: ReviewStore) -> None:
    """Promoted cases join the dataset with their origin; candidates stay out."""
    review.add_case(_case("kept", CaseStatus.PROMOTED), "kept")
    review.add_case(_case("waiting", CaseStatus.CANDIDATE), "waiting")
    data = promoted_cases(review, "from-prod")
    assert [(c.input, c.expected, c.origin) for c in data.cases] == [
        ("kept", "KEPT", CaseOrigin.PRODUCTION_FAILURE)
    ]


def test_sampled_answers_are_queued_for_review(review: ReviewStore) -> None:
    """A seeded share of cases is queued as sample items carrying input, output and scores."""
    data = Dataset.from_cases("d", [make_case(f"q{i}", f"q{i}") for i in range(50)])
    outcome = Runner().run(data, CallableTarget(str), {"exact": exact_match})
    items = sample_for_review(outcome, data, review, rate=0.2, seed=3, clock=FakeClock())
    again = [c.case_hash for c in data.cases if c.case_hash in {i.subject for i in items}]
    assert 0 < len(items) < 25 and len(again) == len(items)
    stored = review.list_items(limit=100)
    assert {i.origin for i in stored} == {ReviewOrigin.SAMPLE}
    assert isinstance(stored[0].payload, dict) and stored[0].payload["scores"] == {"exact": 1.0}
