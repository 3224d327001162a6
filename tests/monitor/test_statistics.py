"""Drift statistics agree with scipy's reference implementations on the same samples.

Binning does not apply to discrete data (each value gets its own bin), so there the binned
statistics must match scipy's exact ones to floating-point precision.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as scipy_stats  # type: ignore[import-untyped]
from scipy.spatial import distance  # type: ignore[import-untyped]
from tests.monitor.strategies import count_vectors

from surefoot.core import InvalidInput
from surefoot.monitor import Bins, FieldProfile, benjamini_hochberg, stats

discrete_samples = st.lists(st.integers(0, 6), min_size=5, max_size=200)


def _profiles(a: list[int], b: list[int]) -> tuple[FieldProfile, FieldProfile]:
    bins = Bins.numeric(list(range(7)), n_bins=10)
    return FieldProfile(bins).update(a), FieldProfile(bins).update(b)


@given(discrete_samples, discrete_samples)
def test_ks_matches_scipy_on_discrete_data(a, b) -> None:
    """KS statistic and asymptotic p-value equal scipy's ks_2samp on discrete samples."""
    pa, pb = _profiles(a, b)
    ours = stats.kolmogorov_smirnov(pa.counts, pb.counts)
    ref = scipy_stats.ks_2samp(a, b, method="asymp")
    assert ours.statistic == pytest.approx(ref.statistic, abs=1e-12)
    assert ours.p_value == pytest.approx(ref.pvalue, abs=1e-9)


@given(discrete_samples, discrete_samples)
def test_wasserstein_matches_scipy_on_discrete_data(a, b) -> None:
    """W1 on per-value bins equals scipy's wasserstein_distance."""
    pa, pb = _profiles(a, b)
    ours = stats.wasserstein(pa.counts, pb.counts, pa.bins.centers)
    assert ours == pytest.approx(scipy_stats.wasserstein_distance(a, b), abs=1e-9)


@given(count_vectors)
def test_chi_square_matches_chi2_contingency(pair) -> None:
    """The homogeneity test equals scipy's chi2_contingency on the non-empty columns."""
    ref, cur = pair
    table = np.array([ref, cur])
    table = table[:, table.sum(axis=0) > 0]
    ours = stats.chi_square(ref, cur)
    if table.shape[1] < 2:
        assert ours.p_value == 1.0
        return
    expected = scipy_stats.chi2_contingency(table, correction=False)
    assert ours.statistic == pytest.approx(expected.statistic, rel=1e-9, abs=1e-9)
    assert ours.p_value == pytest.approx(expected.pvalue, rel=1e-7, abs=1e-12)


@given(count_vectors)
def test_jensen_shannon_matches_scipy(pair) -> None:
    """JS distance in base 2 equals scipy.spatial.distance.jensenshannon."""
    ref, cur = pair
    expected = distance.jensenshannon(ref, cur, base=2)
    assert stats.jensen_shannon(ref, cur) == pytest.approx(expected, abs=1e-7)


@given(count_vectors)
def test_hellinger_is_a_bounded_distance(pair) -> None:
    """Hellinger is 0 on a distribution with itself and never leaves [0, 1]."""
    ref, cur = pair
    assert stats.hellinger(ref, ref) == pytest.approx(0.0, abs=1e-7)
    assert 0.0 <= stats.hellinger(ref, cur) <= 1.0


@given(count_vectors)
def test_psi_is_symmetric_and_non_negative(pair) -> None:
    """PSI is symmetric in its two windows and never negative."""
    ref, cur = pair
    assert stats.psi(ref, cur) == pytest.approx(stats.psi(cur, ref))
    assert stats.psi(ref, cur) >= 0.0


@given(st.integers(0, 200), st.integers(1, 200), st.integers(0, 200), st.integers(1, 200))
def test_two_proportion_z_squared_is_the_2x2_chi_square(x1, n1, x2, n2) -> None:
    """z squared equals scipy's uncorrected 2x2 chi-square, with the same p-value."""
    x1, x2 = min(x1, n1), min(x2, n2)
    ours = stats.two_proportion_z(x1, n1, x2, n2)
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    if (table.sum(axis=0) == 0).any():
        assert ours.p_value == 1.0
        return
    expected = scipy_stats.chi2_contingency(table, correction=False)
    assert ours.statistic**2 == pytest.approx(expected.statistic, rel=1e-9, abs=1e-9)
    assert ours.p_value == pytest.approx(expected.pvalue, rel=1e-7, abs=1e-12)


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40))
def test_benjamini_hochberg_matches_scipy(p_values) -> None:
    """Adjusted p-values equal scipy's false_discovery_control."""
    expected = scipy_stats.false_discovery_control(p_values, method="bh")
    assert benjamini_hochberg(p_values) == pytest.approx(list(expected), abs=1e-12)


def test_continuous_ks_is_close_to_exact_with_fine_bins() -> None:
    """On continuous data 50 quantile bins put the binned KS within 0.02 of scipy's exact D."""
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=5_000), rng.normal(0.2, 1.1, size=5_000)
    bins = Bins.numeric(a, n_bins=50)
    ours = stats.kolmogorov_smirnov(
        FieldProfile(bins).update(a).counts, FieldProfile(bins).update(b).counts
    )
    exact = scipy_stats.ks_2samp(a, b).statistic
    # A gap inside a bin is invisible, so the binned D is a lower bound close to the exact one.
    assert exact - 0.02 <= ours.statistic <= exact + 1e-12


def test_empty_window_is_refused() -> None:
    """A statistic on an empty window raises InvalidInput telling to wait for data."""
    with pytest.raises(InvalidInput, match="wait for more data"):
        stats.psi([0, 0], [1, 1])


def test_cramers_v_is_one_for_disjoint_windows() -> None:
    """Disjoint windows have Cramér's V of exactly 1."""
    assert math.isclose(stats.cramers_v([5, 0, 0], [0, 3, 4]), 1.0)
