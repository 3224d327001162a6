"""PCA reconstruction error flags a broken correlation that no single field shows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from surefoot.core import InvalidInput
from surefoot.monitor import (
    Chunking,
    PCAReconstruction,
    Profile,
    TabularEncoder,
    VerdictStatus,
    drift_report,
    fit_bins,
)


def _correlated(rng: np.random.Generator, n: int, rho: float) -> dict[str, Any]:
    x = rng.normal(size=n)
    y = rho * x + np.sqrt(1 - rho**2) * rng.normal(size=n)
    return {"x": x, "y": y, "c": rng.choice(["a", "b", "c"], n).tolist()}


def test_broken_correlation_is_multivariate_only() -> None:
    """Flipping a correlation leaves the marginals alone but raises the reconstruction error."""
    rng = np.random.default_rng(0)
    reference = _correlated(rng, 10_000, 0.9)
    current = {k: list(a) + list(b) for (k, a), b in zip(
        _correlated(rng, 2_000, 0.9).items(), _correlated(rng, 2_000, -0.9).values(), strict=True
    )}  # fmt: skip
    report = PCAReconstruction(Chunking.by_size(2_000)).fit(reference).calculate(current)
    assert report.drifted == [1]
    assert report.verdicts[1].effect_size > 0 and report.verdicts[1].p_value < 1e-6
    bins = fit_bins(reference)
    late = {k: v[2_000:] for k, v in current.items()}
    univariate = drift_report(Profile(bins).update(reference), Profile(bins).update(late))
    assert univariate.drifted == ()


def test_stationary_chunks_stay_within_the_band() -> None:
    """Chunks from the reference's own distribution raise no drift."""
    rng = np.random.default_rng(1)
    pca = PCAReconstruction(Chunking.by_size(1_000)).fit(_correlated(rng, 10_000, 0.6))
    report = pca.calculate(_correlated(rng, 5_000, 0.6))
    assert report.drifted == []
    assert all(v.status is VerdictStatus.NO_DRIFT for v in report.verdicts)


def test_components_keep_the_requested_variance() -> None:
    """Two perfectly correlated fields plus an independent one need two of three components."""
    rng = np.random.default_rng(2)
    x, z = rng.normal(size=2_000), rng.normal(size=2_000)
    pca = PCAReconstruction(Chunking.by_size(500), variance=0.9).fit({"x": x, "x2": 2 * x, "z": z})
    assert pca.n_components == 2
    assert pca.errors({"x": x[:5], "x2": 2 * x[:5], "z": z[:5]}) == pytest.approx(0, abs=1e-9)


@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=50))
@example([683.5805560105903] * 3)  # a constant whose mean rounds: deviation ~1e-13, not 0
def test_encoder_standardises_reference_columns(values: list[float]) -> None:
    """Each encoded reference column has mean 0 and, unless constant, deviation 1."""
    out = TabularEncoder.fit({"v": values}).transform({"v": values})[:, 0]
    assert out.mean() == pytest.approx(0, abs=1e-6)
    assert out.std() == pytest.approx(1.0, abs=1e-6) or np.allclose(out, 0)


def test_missing_field_is_refused() -> None:
    """Analysis columns must include every reference field."""
    enc = TabularEncoder.fit({"a": [1.0, 2.0], "b": ["x", "y"]})
    with pytest.raises(InvalidInput, match="missing"):
        enc.transform({"a": [1.0]})


def test_too_few_reference_chunks_are_refused() -> None:
    """The thresholds need a spread, so the reference must make at least two chunks."""
    with pytest.raises(InvalidInput, match="2 chunks"):
        PCAReconstruction(Chunking.by_size(100)).fit({"a": np.arange(50.0), "b": np.arange(50.0)})
