"""Drift reports: effect size and p-value per verdict, BH-corrected, honest on small samples."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from surefoot.core import InvalidInput
from surefoot.monitor import (
    DriftReport,
    Method,
    Profile,
    VerdictStatus,
    default_method,
    drift_report,
    fit_bins,
)


def _report(ref: Mapping[str, Any], cur: Mapping[str, Any], **kwargs: Any) -> DriftReport:
    bins = fit_bins(ref)
    return drift_report(Profile(bins).update(ref), Profile(bins).update(cur), **kwargs)


def test_every_verdict_has_effect_size_and_p_value() -> None:
    """Each judged verdict carries a finite effect size, raw and adjusted p-values."""
    rng = np.random.default_rng(0)
    ref = {"x": rng.normal(size=2_000), "c": rng.choice(["a", "b"], size=2_000)}
    cur = {"x": rng.normal(size=2_000), "c": rng.choice(["a", "b"], size=2_000)}
    for verdict in _report(ref, cur).verdicts:
        assert math.isfinite(verdict.effect_size)
        assert 0.0 <= verdict.p_value <= verdict.adjusted_p_value <= 1.0


def test_too_few_samples_is_said_plainly() -> None:
    """Fewer than 30 values gives an 'insufficient' verdict that says what to do."""
    report = _report({"x": np.arange(100.0)}, {"x": np.arange(10.0)})
    verdict = report["x"]
    assert verdict.status is VerdictStatus.INSUFFICIENT
    assert "too few samples" in verdict.message and "widen the window" in verdict.message


def test_tiny_effect_on_huge_sample_is_not_drift() -> None:
    """A significant but negligible shift on a million rows stays below the effect gate."""
    rng = np.random.default_rng(1)
    ref = {"x": rng.normal(size=1_000_000)}
    cur = {"x": rng.normal(0.01, 1.0, size=1_000_000)}
    verdict = _report(ref, cur, methods={"x": "ks"})["x"]
    assert verdict.p_value < 0.05
    assert verdict.status is VerdictStatus.NO_DRIFT


def test_missing_rate_change_is_a_verdict_of_its_own() -> None:
    """A jump in missing values is judged by a two-proportion z-test on its own line."""
    ref = {"x": [1.0, 2.0, 3.0, 4.0] * 100}
    cur = {"x": [1.0, None, None, 4.0] * 100}
    verdict = _report(ref, cur)["x.missing_rate"]
    assert verdict.method is Method.MISSING_RATE
    assert verdict.status is VerdictStatus.DRIFT


def test_defaults_follow_type_and_sample_size() -> None:
    """KS and chi-square for small samples, Wasserstein and Jensen–Shannon for large ones."""
    assert default_method("numeric", 100, 100) is Method.KS
    assert default_method("numeric", 10_000, 5_000) is Method.WASSERSTEIN
    assert default_method("categorical", 100, 100) is Method.CHI_SQUARE
    assert default_method("categorical", 10_000, 5_000) is Method.JENSEN_SHANNON


@pytest.mark.parametrize("method", ["psi", "jensen_shannon", "hellinger", "chi_square"])
def test_every_distribution_method_flags_a_new_category(method: str) -> None:
    """Each categorical method flags a window where half the values are a new category."""
    ref = {"c": ["a", "b"] * 500}
    cur = {"c": ["a", "new"] * 500}
    assert _report(ref, cur, methods={"c": method})["c"].status is VerdictStatus.DRIFT


def test_wasserstein_on_categories_is_refused() -> None:
    """Asking for Wasserstein on a categorical field raises InvalidInput naming alternatives."""
    with pytest.raises(InvalidInput, match="jensen_shannon"):
        _report({"c": ["a", "b"] * 50}, {"c": ["a"] * 100}, methods={"c": "wasserstein"})


def test_correction_applies_across_fields() -> None:
    """Adjusted p-values are Benjamini–Hochberg over all judged fields, so never below raw."""
    rng = np.random.default_rng(2)
    ref = {f"f{i}": rng.normal(size=500) for i in range(20)}
    cur = {f"f{i}": rng.normal(size=500) for i in range(20)}
    report = _report(ref, cur)
    assert all(v.adjusted_p_value >= v.p_value - 1e-12 for v in report.verdicts)
    assert report.drifted == ()
