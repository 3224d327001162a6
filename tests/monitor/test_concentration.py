"""Concentration of outputs: entropy, Gini and coverage, exact and mergeable."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surefoot.core import InvalidInput
from surefoot.monitor import (
    Bins,
    FieldProfile,
    ItemCounts,
    coverage,
    gini,
    normalized_entropy,
)

count_lists = st.lists(st.integers(0, 1000), min_size=2, max_size=40).filter(lambda c: sum(c) > 0)
item_lists = st.lists(st.sampled_from([f"i{k}" for k in range(12)]), max_size=60)


def test_entropy_matches_a_hand_computed_value() -> None:
    """Counts 2, 1, 1 have entropy 1.5 bits over log2(3) bits."""
    expected = 1.5 / math.log2(3)
    assert normalized_entropy([2, 1, 1]) == pytest.approx(expected)


def test_gini_matches_a_hand_computed_value() -> None:
    """Counts 1, 2, 3, 4 have Gini 0.25 (mean absolute difference over twice the mean)."""
    # Sum over all pairs |xi - xj| = 20, over 2 * n^2 * mean = 2 * 16 * 2.5 = 80.
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)


def test_unseen_catalogue_items_count_as_zero_exposure() -> None:
    """Two equal items out of a catalogue of four: Gini 0.5, coverage 0.5, entropy 0.5."""
    summary = ItemCounts().update(["a", "b"]).get(catalogue_size=4)
    assert (summary.gini, summary.coverage, summary.entropy) == pytest.approx((0.5, 0.5, 0.5))


def test_a_catalogue_smaller_than_the_items_seen_is_refused() -> None:
    """A support below the distinct items seen is an input error naming the fix."""
    with pytest.raises(InvalidInput, match="catalogue size"):
        gini([1, 1, 1], support=2)


@settings(max_examples=200)
@given(count_lists)
def test_entropy_and_gini_stay_in_the_unit_interval(counts: list[int]) -> None:
    """Normalised entropy and Gini lie in [0, 1]; coverage too."""
    assert 0.0 <= normalized_entropy(counts) <= 1.0 + 1e-12
    assert -1e-12 <= gini(counts) <= 1.0
    assert 0.0 < coverage(counts, len(counts)) <= 1.0


@settings(max_examples=200)
@given(count_lists, st.randoms(use_true_random=False))
def test_metrics_do_not_depend_on_item_order(counts: list[int], rnd: object) -> None:
    """Permuting the items leaves entropy, Gini and coverage unchanged."""
    shuffled = list(counts)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert normalized_entropy(shuffled) == pytest.approx(normalized_entropy(counts))
    assert gini(shuffled) == pytest.approx(gini(counts))
    assert coverage(shuffled, 50) == coverage(counts, 50)


@settings(max_examples=100)
@given(item_lists, item_lists, item_lists)
def test_merging_windows_equals_counting_all_outputs_at_once(
    a: list[str], b: list[str], c: list[str]
) -> None:
    """Merge order does not matter and equals one pass over all outputs."""
    left = (ItemCounts().update(a) + ItemCounts().update(b)) + ItemCounts().update(c)
    right = ItemCounts().update(a) + (ItemCounts().update(b) + ItemCounts().update(c))
    assert left == right == ItemCounts().update(a + b + c)


@settings(max_examples=50)
@given(item_lists)
def test_item_counts_round_trip_through_json_data(items: list[str]) -> None:
    """What ``to_dict`` writes, ``from_dict`` loads unchanged."""
    counts = ItemCounts().update(items)
    assert ItemCounts.from_dict(counts.to_dict()) == counts


def test_counts_come_from_a_categorical_profile() -> None:
    """A category profile's known categories become item counts; "other" is left out."""
    profile = FieldProfile(Bins.categorical(["a", "b", "c"])).update(["a", "a", "b", "zz"])
    assert ItemCounts.from_profile(profile).items() == {"a": 2, "b": 1}


def test_a_numeric_profile_is_refused() -> None:
    """Concentration of a numeric field is an input error."""
    with pytest.raises(InvalidInput, match="categorical"):
        ItemCounts.from_profile(FieldProfile(Bins.numeric([1.0, 2.0, 3.0])))
