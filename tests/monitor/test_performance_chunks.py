"""Chunking splits rows by size, by count and by period, covering every row exactly once."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from surefoot.core import InvalidInput
from surefoot.monitor import Chunking


@given(st.integers(0, 500), st.integers(1, 60), st.sampled_from(["keep", "drop", "append"]))
def test_size_chunks_are_contiguous_and_sized(n_rows: int, size: int, incomplete: str) -> None:
    """Size chunks are contiguous, at most one is short, and only ``drop`` loses rows."""
    chunks = Chunking.by_size(size, incomplete=incomplete).split(n_rows)  # type: ignore[arg-type]
    rows = np.concatenate([c.rows for c in chunks]) if chunks else np.array([], dtype=int)
    assert (np.diff(rows) == 1).all()
    if incomplete != "drop" or n_rows < size:
        assert len(rows) == n_rows
    assert all(c.size == size for c in chunks[:-1])


@given(st.integers(1, 500), st.integers(1, 40))
def test_count_chunks_differ_in_size_by_at_most_one(n_rows: int, count: int) -> None:
    """Count chunks cover all rows in at most ``count`` chunks of near-equal size."""
    chunks = Chunking.by_count(count).split(n_rows)
    sizes = [c.size for c in chunks]
    assert sum(sizes) == n_rows
    assert len(chunks) == min(count, n_rows)
    assert max(sizes) - min(sizes) <= 1


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=200), st.integers(1, 3_000))
def test_period_chunks_hold_rows_of_one_period(times: list[int], period: int) -> None:
    """Every row lands in the one chunk whose period contains its timestamp."""
    chunks = Chunking.by_period(period).split(len(times), times_ns=times)
    assert sum(c.size for c in chunks) == len(times)
    for chunk in chunks:
        assert chunk.start_ns is not None and chunk.end_ns == chunk.start_ns + period
        assert all(chunk.start_ns <= times[i] < chunk.end_ns for i in chunk.rows)


def test_period_chunking_without_timestamps_is_refused() -> None:
    """Period chunking needs a timestamp per row and says so."""
    with pytest.raises(InvalidInput, match="times_ns"):
        Chunking.by_period(10).split(3)


@pytest.mark.parametrize("make", [lambda: Chunking.by_size(0), lambda: Chunking.by_count(0)])
def test_non_positive_chunking_is_refused(make) -> None:
    """Chunk sizes and counts must be positive."""
    with pytest.raises(InvalidInput, match="positive"):
        make()
