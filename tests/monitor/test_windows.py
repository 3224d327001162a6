"""Stored per-window profiles: batches merge into grid windows, concurrently and incrementally."""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.monitor.spans import Traffic, window_spans

from surefoot.core import FakeClock, InvalidInput, StoreSettings
from surefoot.monitor import Bins, FieldProfile, ProfileWriter, profile_traces, read_profile
from surefoot.monitor._windows import TRACES
from surefoot.store import ProfileStore, Store

WINDOW_S = 60.0
T0 = 1_700_000_040 * 10**9  # on the 60 s grid


def _writer(store: Store) -> ProfileWriter:
    return ProfileWriter(ProfileStore(store.engine), WINDOW_S, clock=FakeClock(start_s=T0 / 1e9))


def test_batches_in_one_window_merge_into_one_row(store: Store) -> None:
    """Two batches logged into the same window are stored as one profile holding both."""
    writer = _writer(store)
    writer.log_batch("pricing", {"amount": [1.0, 2.0, 3.0]}, at=T0)
    rows = writer.log_batch("pricing", {"amount": [4.0, None]}, at=T0 + 10**9)
    assert [(r.window_start_ns, r.n) for r in rows] == [(T0, 4)]
    profile, _ = read_profile(writer.repository, "pricing", "amount", T0, T0 + 60 * 10**9)
    assert profile is not None and profile.missing == 1 and profile.get().maximum == 4.0


def test_rows_land_in_the_windows_of_their_timestamps(store: Store) -> None:
    """Per-row timestamps split one batch across the grid windows they fall in."""
    writer = _writer(store)
    width = int(WINDOW_S * 1e9)
    rows = writer.log_batch(
        "pricing", {"amount": [1.0, 2.0, 3.0]}, at=[T0, T0 + width - 1, T0 + width]
    )
    assert sorted((r.window_start_ns, r.n) for r in rows) == [(T0, 2), (T0 + width, 1)]


def test_bins_are_fixed_by_the_first_batch(store: Store) -> None:
    """A field's later windows reuse the bins its first stored window was profiled on."""
    writer = _writer(store)
    bins = Bins.numeric([0.0, 1.0, 2.0, 3.0], n_bins=2)
    writer.log_batch("m", {"x": [0.5, 2.5]}, at=T0, bins={"x": bins})
    later = writer.log_batch("m", {"x": [100.0] * 5}, at=T0 + 10 * 10**11)
    assert FieldProfile.from_dict(later[0].state).bins == bins


def test_unaligned_batches_are_refused(store: Store) -> None:
    """Columns of different lengths fail with a message saying to align them."""
    with pytest.raises(InvalidInput, match="align"):
        _writer(store).log_batch("m", {"x": [1.0], "y": [1.0, 2.0]}, at=T0)


def test_concurrent_writers_lose_no_counts(store: Store) -> None:
    """Threads logging into the same window concurrently add up exactly."""
    writer = _writer(store)
    writer.log_batch("m", {"x": list(range(10))}, at=T0)

    def log() -> None:
        for _ in range(5):
            writer.log_batch("m", {"x": [1.0, 2.0]}, at=T0)

    threads = [threading.Thread(target=log) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    profile, _ = read_profile(writer.repository, "m", "x", T0, T0 + 1)
    assert profile is not None and profile.n == 10 + 4 * 5 * 2


def test_traces_are_profiled_once_past_the_watermark(store: Store) -> None:
    """A second pass reads no span twice; new spans after the watermark are profiled."""
    writer = _writer(store)
    rng = np.random.default_rng(1)
    width = int(WINDOW_S * 1e9)
    store.write_spans(window_spans(rng, T0, width, 20, Traffic()))
    assert profile_traces(store, writer, lateness_s=0, now_ns=T0 + 2 * width) > 0
    assert profile_traces(store, writer, lateness_s=0, now_ns=T0 + 2 * width) == 0
    store.write_spans(window_spans(rng, T0 + 2 * width, width, 10, Traffic()))
    profile_traces(store, writer, lateness_s=0, now_ns=T0 + 4 * width)
    profile, examples = read_profile(
        writer.repository, TRACES, "request.latency_ms", T0, T0 + 4 * width
    )
    assert profile is not None and profile.n == 30 and examples


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=40),
    cuts=st.lists(st.integers(0, 40), max_size=4),
)
def test_any_split_of_a_batch_stores_the_same_profile(values: list[float], cuts: list[int]) -> None:
    """Logging a batch in arbitrary pieces stores the same counts as logging it whole."""
    bins = {"x": Bins.numeric([0.0, 25.0, 50.0, 75.0, 100.0], n_bins=4)}
    bounds = [0, *sorted(c for c in cuts if c < len(values)), len(values)]
    results = []
    for pieces in ([values], [values[a:b] for a, b in itertools.pairwise(bounds)]):
        with Store.open(StoreSettings(url="sqlite://")) as store:
            writer = _writer(store)
            for piece in pieces:
                if piece:
                    writer.log_batch("m", {"x": piece}, at=T0, bins=bins)
            profile, _ = read_profile(writer.repository, "m", "x", T0, T0 + 1)
            assert profile is not None
            results.append(profile.get().counts)
    assert results[0] == results[1]
