"""``log_batch`` takes a pyarrow Table as it takes a dict of columns."""

from __future__ import annotations

import pyarrow as pa

from surefoot.core import FakeClock
from surefoot.monitor import FieldProfile, log_batch, read_profile
from surefoot.store import ProfileStore, Store

T0 = 1_700_000_100 * 10**9  # on the 300 s grid


def test_an_arrow_table_is_profiled_like_its_columns(store: Store) -> None:
    """Numbers, strings and nulls of an Arrow table land in the stored profiles."""
    table = pa.table(
        {
            "amount": pa.array([1.5, None, 3.0, 4.0], type=pa.float64()),
            "region": pa.array(["north", None, "south", "north"], type=pa.string()),
        }
    )
    rows = log_batch(store, "loans", table, at=T0, clock=FakeClock(start_s=T0 / 1e9))
    by_field = {r.field: r for r in rows}
    amount = FieldProfile.from_dict(by_field["amount"].state).get()
    assert (amount.count, amount.missing, amount.maximum) == (3, 1, 4.0)
    region, _ = read_profile(ProfileStore(store.engine), "loans", "region", T0, T0 + 1)
    assert region is not None and (region.n, region.missing) == (3, 1)
    assert by_field["region"].state["items"] == {"counts": {"north": 2, "south": 1}, "overflow": 0}


def test_arrow_rows_split_across_windows_by_their_timestamps(store: Store) -> None:
    """Per-row timestamps split an Arrow table over the grid windows they fall in."""
    table = pa.table({"amount": [1.0, 2.0, 3.0]})
    width = 300 * 10**9
    rows = log_batch(store, "loans", table, at=[T0, T0 + 1, T0 + width])
    assert sorted((r.window_start_ns, r.n) for r in rows) == [(T0, 2), (T0 + width, 1)]
