"""Embedding similarity scores outputs by meaning, through any OpenAI-compatible endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from tests.evals.conftest import write_suite

from surefoot.core import InvalidInput
from surefoot.evals import EmbeddingSimilarity, ProviderEmbedder, load_suite, run_suite
from surefoot.providers import OpenAICompatibleProvider
from surefoot.store import EvalStore, Store
from surefoot.testing import FaultServer


class CountingEmbedder:
    """Embeds by letter counts and remembers every batch it was asked for."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.batches.append(list(texts))
        return [[t.count("a"), t.count("b"), 1.0] for t in texts]


def test_identical_meaning_scores_one_through_an_endpoint() -> None:
    """Through a real embeddings endpoint, an identical text scores 1 and another text less."""
    with FaultServer() as server:
        provider = OpenAICompatibleProvider(server.base_url)
        try:
            sim = EmbeddingSimilarity(ProviderEmbedder(provider, "embed-2026-01-01"))
            same, other = sim("Paris", "Paris"), sim("Lyon", "Paris")
        finally:
            provider.close()
    assert same == pytest.approx(1.0) and 0.0 <= other < 1.0


def test_vectors_are_cached_per_text() -> None:
    """A text already embedded (a repeated expected answer) is not sent to the embedder again."""
    embedder = CountingEmbedder()
    sim = EmbeddingSimilarity(embedder)
    sim("ab", "aab")
    sim("b", "aab")
    assert embedder.batches == [["ab", "aab"], ["b"]]


def test_wrong_vector_count_is_refused() -> None:
    """An embedder that does not return one vector per text is an error saying so."""

    class Short:
        def embed(self, texts: Sequence[str]) -> list[list[float]]:
            return [[1.0]]

    with pytest.raises(InvalidInput, match="one vector per text"):
        EmbeddingSimilarity(Short())("a", "b")


def test_suite_metric_embedding_similarity(
    tmp_path: Path, sums_server: FaultServer, sums_dataset: Path, store: Store
) -> None:
    """A suite names the metric with its model; the endpoint defaults to the target's URL."""
    extra = (
        '[metrics.meaning]\nscorer = "embedding_similarity"\nmodel = "embed-1"\nthreshold = 0.1\n'
    )
    suite = load_suite(write_suite(tmp_path / "s.toml", sums_server.base_url, "x", extra=extra))
    outcome = run_suite(suite, EvalStore(store.engine))
    assert outcome.means()["meaning"] == pytest.approx(1.0)
    assert sums_server.count(path="/v1/embeddings") > 0


def test_suite_metric_needs_a_model(
    tmp_path: Path, sums_server: FaultServer, sums_dataset: Path
) -> None:
    """Without a model the suite is refused, naming the metric and what is missing."""
    extra = '[metrics.meaning]\nscorer = "embedding_similarity"\nthreshold = 0.1\n'
    with pytest.raises(InvalidInput, match=r"metrics\.meaning: embedding similarity needs model"):
        load_suite(write_suite(tmp_path / "s.toml", sums_server.base_url, "x", extra=extra))
