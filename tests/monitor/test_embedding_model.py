"""Embedding drift on real embeddings of text from the local model."""

from __future__ import annotations

import itertools
import random

import pytest

from surefoot.monitor import EmbeddingDrift, OpenAIEmbedder, VerdictStatus
from surefoot.providers import OpenAICompatibleProvider

PRODUCTS = ["router", "modem", "laptop", "phone", "printer", "headset", "monitor", "camera"]
PROBLEMS = ["arrived broken", "will not turn on", "keeps restarting", "was charged twice"]
DISHES = ["lentil soup", "banana bread", "pad thai", "risotto", "apple pie", "fish tacos"]
STEPS = ["How long do I bake", "What spices go in", "Can I freeze", "How do I thicken"]
WHEN = ["since Monday", "again today", "after the update"]
GUESTS = ["for two", "for a party", "for the kids"]


def _tickets() -> list[str]:
    """Support tickets, shuffled with a fixed seed so any split is the same distribution."""
    texts = [f"My {p} {q} {w}." for p, q, w in itertools.product(PRODUCTS, PROBLEMS, WHEN)]
    random.Random(7).shuffle(texts)
    return texts


def _recipes(n: int) -> list[str]:
    triples = list(itertools.product(STEPS, DISHES, GUESTS))
    random.Random(8).shuffle(triples)
    return [f"{step} the {dish} {guests}?" for step, dish, guests in triples[:n]]


@pytest.mark.model
@pytest.mark.slow
def test_a_topic_change_is_detected_in_real_embeddings(embedding_server: str) -> None:
    """Support tickets against other tickets are stable; against cooking questions, drift."""
    tickets = _tickets()
    with OpenAICompatibleProvider(embedding_server, name="local") as provider:
        embedder = OpenAIEmbedder(provider, "gemma3-270m", batch_size=32)
        reference = embedder.embed(tickets[:20])
        same_topic = embedder.embed(tickets[20:40])
        new_topic = embedder.embed(_recipes(20))
    detector = EmbeddingDrift(reference, seed=0, permutations=200)
    stable = detector.compare(same_topic)
    assert {v.status for v in stable.verdicts} == {VerdictStatus.NO_DRIFT}
    shifted = detector.compare(new_topic)
    assert shifted.drifted
    assert shifted["mmd"].adjusted_p_value <= 0.05
    assert shifted["classifier"].effect_size > 0.9
