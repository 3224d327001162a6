"""Values whose sum of squares overflows are refused at ingest, before anything is stored."""

from __future__ import annotations

import math

import pytest

from surefoot.core import InvalidInput
from surefoot.monitor import Bins, FieldProfile, log_batch, read_profile
from surefoot.store import ProfileStore, Store

T0 = 1_700_000_100 * 10**9


def test_an_overflowing_batch_is_refused_and_nothing_is_stored(store: Store) -> None:
    """A value of 1e200 (its square is infinite) fails the batch with a message naming the fix."""
    with pytest.raises(InvalidInput, match=r"field 'x' of 'm'.*rescale"):
        log_batch(store, "m", {"x": [1.0, 1e200], "y": [1.0, 2.0]}, at=T0)
    assert ProfileStore(store.engine).sources() == []


def test_large_finite_moments_round_trip_through_the_store(store: Store) -> None:
    """Values near the limit keep finite moments that both databases store and return exactly."""
    log_batch(store, "m", {"x": [1e150, -1e150, 2.0]}, at=T0)
    profile, _ = read_profile(ProfileStore(store.engine), "m", "x", T0, T0 + 1)
    assert profile is not None
    assert profile.to_dict()["sumsq"] == pytest.approx(2e300)
    assert profile.get().maximum == 1e150


def test_an_infinite_value_leaves_the_profile_unchanged() -> None:
    """``update`` with infinity raises and keeps the counts and moments it had."""
    profile = FieldProfile(Bins.numeric([0.0, 1.0, 2.0, 3.0], n_bins=2)).update([1.0, 2.0])
    before = profile.to_dict()
    with pytest.raises(InvalidInput, match="infinite"):
        profile.update([math.inf])
    assert profile.to_dict() == before


def test_a_merge_that_would_overflow_is_refused() -> None:
    """Two profiles whose sums of squares add up past the float range do not merge."""
    bins = Bins.numeric([0.0, 1.0, 2.0, 3.0], n_bins=2)
    big = FieldProfile(bins).update([1.2e154])
    with pytest.raises(InvalidInput, match="overflows"):
        big.merge(big)
