"""Exact item counts beside stored categorical profiles: mergeable, and capped honestly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.monitor.strategies import item_columns

from surefoot.monitor._items import count_items, merge_items


@settings(max_examples=50, deadline=None)
@given(pieces=st.lists(item_columns, min_size=1, max_size=5))
def test_merging_pieces_in_any_order_counts_the_whole(pieces: list[list[str | None]]) -> None:
    """Below the cap, pieces merged forwards or backwards equal counting all items at once."""
    whole = [i for piece in pieces for i in piece]
    expected = {"counts": count_items(whole), "overflow": 0}
    for order in (pieces, pieces[::-1]):
        state = None
        for piece in order:
            state = merge_items(state, count_items(piece))
        assert state == expected


@settings(max_examples=50, deadline=None)
@given(values=item_columns.filter(lambda v: any(v)), cap=st.integers(1, 5))
def test_the_cap_keeps_the_most_frequent_and_counts_the_rest(
    values: list[str | None], cap: int
) -> None:
    """Past the cap, kept counts plus the overflow still add up to every present item."""
    state = merge_items(None, count_items(values), cap=cap)
    assert len(state["counts"]) <= cap
    assert sum(state["counts"].values()) + state["overflow"] == sum(v is not None for v in values)
    kept = min(state["counts"].values())
    dropped = count_items(values).keys() - state["counts"].keys()
    assert all(count_items(values)[d] <= kept for d in dropped)
