"""The domain classifier separates shifted chunks from the reference and not stationary ones."""

from __future__ import annotations

import numpy as np
import pytest

from surefoot.core import InvalidInput
from surefoot.monitor import Chunking, DomainClassifier


def _rows(
    rng: np.random.Generator, n: int, shift: float = 0.0, spread: float = 1.0
) -> dict[str, object]:
    return {
        "a": rng.normal(shift, spread, n),
        "b": rng.normal(size=n),
        "c": rng.choice(["x", "y", "z"], n).tolist(),
    }


def test_stationary_chunks_score_near_chance() -> None:
    """Chunks from the reference distribution get AUC near 0.5 and no drift."""
    rng = np.random.default_rng(0)
    dc = DomainClassifier(Chunking.by_size(1_000)).fit(_rows(rng, 5_000))
    report = dc.calculate(_rows(rng, 3_000))
    assert report.drifted == []
    assert all(abs(v - 0.5) < 0.05 for v in report.values)


@pytest.mark.parametrize(("shift", "spread"), [(1.0, 1.0), (0.0, 2.5)])
def test_shift_in_location_or_spread_is_detected(shift: float, spread: float) -> None:
    """A moved mean or a widened spread both let the classifier tell the chunk apart."""
    rng = np.random.default_rng(1)
    dc = DomainClassifier(Chunking.by_size(1_000)).fit(_rows(rng, 5_000))
    verdict = dc.calculate(_rows(rng, 1_000, shift, spread)).verdicts[0]
    assert verdict.value >= 0.65 and verdict.p_value < 1e-6
    assert verdict.effect_size == pytest.approx(2 * verdict.value - 1)


def test_same_seed_same_verdicts() -> None:
    """Sampling and folds are seeded, so a repeated run gives identical AUCs."""
    rng = np.random.default_rng(2)
    reference, current = _rows(rng, 3_000), _rows(rng, 1_000, 0.3)
    runs = [
        DomainClassifier(Chunking.by_size(500), seed=4).fit(reference).calculate(current)
        for _ in range(2)
    ]
    assert runs[0].values == runs[1].values


def test_one_fold_is_refused() -> None:
    """Cross-validation needs at least two folds."""
    with pytest.raises(InvalidInput, match="folds"):
        DomainClassifier(Chunking.by_size(10), folds=1)
