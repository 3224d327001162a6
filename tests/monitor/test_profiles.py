"""Profiles merge exactly: associative, order-independent, equal to one profile fed all data."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.monitor.strategies import (
    categorical_columns,
    numeric_columns,
    reference_numbers,
)

from surefoot.core import InvalidInput
from surefoot.monitor import Bins, FieldProfile, Profile, fit_bins


def _same(a: FieldProfile, b: FieldProfile) -> bool:
    x, y = a.get(), b.get()
    close = all(
        (math.isnan(p) and math.isnan(q)) or math.isclose(p, q, rel_tol=1e-9, abs_tol=1e-6)
        for p, q in [(x.mean, y.mean), (x.minimum, y.minimum), (x.maximum, y.maximum)]
    )
    return x.counts == y.counts and x.missing == y.missing and close


@given(reference_numbers, numeric_columns, numeric_columns, numeric_columns)
def test_numeric_merge_is_associative(ref, a, b, c) -> None:
    """(a + b) + c equals a + (b + c) for numeric profiles."""
    bins = Bins.numeric(ref, n_bins=5)
    pa, pb, pc = (FieldProfile(bins).update(col) for col in (a, b, c))
    assert _same((pa + pb) + pc, pa + (pb + pc))


@given(reference_numbers, st.lists(numeric_columns, min_size=1, max_size=5), st.randoms())
def test_numeric_merge_equals_one_profile(ref, parts, rnd) -> None:
    """Merging window profiles in any order equals feeding all values to one profile."""
    bins = Bins.numeric(ref, n_bins=5)
    whole = FieldProfile(bins).update([v for part in parts for v in part])
    profiles = [FieldProfile(bins).update(part) for part in parts]
    rnd.shuffle(profiles)
    merged = FieldProfile(bins)
    for profile in profiles:
        merged += profile
    assert _same(merged, whole)


@given(categorical_columns, st.lists(categorical_columns, min_size=1, max_size=5), st.randoms())
def test_categorical_merge_equals_one_profile(ref, parts, rnd) -> None:
    """Categorical profiles merge into the profile of all values, in any order."""
    bins = Bins.categorical(["a", "b", *[v for v in ref if v]], max_categories=3)
    whole = FieldProfile(bins).update([v for part in parts for v in part])
    profiles = [FieldProfile(bins).update(part) for part in parts]
    rnd.shuffle(profiles)
    merged = profiles[0].copy()
    for profile in profiles[1:]:
        merged = merged.merge(profile)
    assert _same(merged, whole)


def test_unseen_category_lands_in_other() -> None:
    """A category missing from the reference is counted in the last, "other" bin."""
    bins = Bins.categorical(["a", "a", "b"])
    assert FieldProfile(bins).update(["zzz", "a", None]).get().counts == (1, 0, 1)


def test_discrete_reference_gets_one_bin_per_value() -> None:
    """Few distinct values get a bin each, plus one bin for unseen values on each side."""
    bins = Bins.numeric([3, 1, 2, 2, 1], n_bins=10)
    assert bins.centers == (0.0, 1.0, 2.0, 3.0, 4.0)
    assert FieldProfile(bins).update([0.5, 1, 2, 3, 9]).get().counts == (1, 1, 1, 1, 1)


def test_quantile_bins_hold_equal_shares() -> None:
    """Quantile bins split a continuous reference into near-equal shares."""
    rng = np.random.default_rng(0)
    ref = rng.normal(size=10_000)
    counts = FieldProfile(Bins.numeric(ref, n_bins=10)).update(ref).get().counts
    assert max(counts) - min(counts) <= 2


def test_quantile_sketch_tracks_true_quantiles() -> None:
    """The histogram sketch's quantiles stay within one bin of the true ones."""
    rng = np.random.default_rng(1)
    data = rng.exponential(size=20_000)
    profile = FieldProfile(Bins.numeric(data, n_bins=50)).update(data)
    for q in (0.1, 0.5, 0.9):
        assert abs(profile.quantile(q) - np.quantile(data, q)) < 0.05


def test_moments_match_numpy() -> None:
    """Mean and standard deviation agree with numpy on the same values."""
    rng = np.random.default_rng(2)
    data = rng.normal(3.0, 2.0, size=5_000)
    summary = FieldProfile(Bins.numeric(data)).update(data).get()
    assert summary.mean == pytest.approx(data.mean())
    assert summary.std == pytest.approx(data.std())


def test_profile_takes_a_dict_of_columns() -> None:
    """A Profile counts each column of a dict-of-columns batch on its own bins."""
    ref = {"x": np.arange(100.0), "c": ["u"] * 50 + ["v"] * 50}
    profile = Profile(fit_bins(ref)).update(ref)
    assert profile["x"].n == 100
    assert profile["c"].get().counts == (50, 50, 0)


def test_merging_different_bins_is_refused() -> None:
    """Profiles on different bins refuse to merge and say how to fix it."""
    a = FieldProfile(Bins.numeric([1.0, 2.0, 3.0]))
    b = FieldProfile(Bins.numeric([5.0, 6.0, 7.0]))
    with pytest.raises(InvalidInput, match="same reference"):
        a.merge(b)


def test_unknown_field_is_refused() -> None:
    """Updating a Profile with a field that has no bins raises InvalidInput."""
    profile = Profile(fit_bins({"x": [1.0, 2.0]}))
    with pytest.raises(InvalidInput, match="refit"):
        profile.update({"y": [1.0]})


@given(reference_numbers, numeric_columns)
def test_profile_survives_a_json_round_trip(ref, values) -> None:
    """A profile written with to_dict and read back through JSON is the same profile."""
    profile = FieldProfile(Bins.numeric(ref, n_bins=5)).update(values)
    loaded = FieldProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert loaded.bins == profile.bins
    assert loaded.get() == profile.get() or _same(loaded, profile)


def test_loading_a_foreign_dict_is_refused() -> None:
    """A dict that is not a profile raises InvalidInput naming to_dict."""
    with pytest.raises(InvalidInput, match="to_dict"):
        FieldProfile.from_dict({"bins": {"kind": "numeric"}})
