"""Retrieval metrics match hand-computed values."""

from __future__ import annotations

import math

import pytest

from surefoot.evals import mrr, ndcg_at_k, precision_at_k, recall_at_k

RANKED = ["d3", "d1", "d7", "d2", "d9"]
RELEVANT = ["d1", "d2", "d5"]


def test_precision_at_k() -> None:
    """Two of the top four are relevant: precision@4 = 0.5."""
    assert precision_at_k(RANKED, RELEVANT, 4) == 0.5


def test_recall_at_k() -> None:
    """Two of three relevant documents are in the top four: recall@4 = 2/3."""
    assert recall_at_k(RANKED, RELEVANT, 4) == pytest.approx(2 / 3)


def test_mrr_uses_first_relevant_rank() -> None:
    """The first relevant document is at rank 2: reciprocal rank 1/2."""
    assert mrr(RANKED, RELEVANT) == 0.5


def test_mrr_is_zero_without_hits() -> None:
    """No relevant document retrieved gives 0."""
    assert mrr(["x"], RELEVANT) == 0.0


def test_ndcg_binary() -> None:
    """nDCG@5 with hits at ranks 2 and 4 over an ideal of three hits."""
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(RANKED, RELEVANT, 5) == pytest.approx(dcg / idcg)


def test_ndcg_graded() -> None:
    """Graded relevance uses grades as gains and the best ordering as the ideal."""
    grades = {"d1": 3.0, "d2": 1.0}
    dcg = 3 / math.log2(3) + 1 / math.log2(5)
    idcg = 3 + 1 / math.log2(3)
    assert ndcg_at_k(RANKED, grades, 5) == pytest.approx(dcg / idcg)
