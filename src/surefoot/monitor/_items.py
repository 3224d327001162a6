"""Exact item counts kept beside each stored categorical profile, for concentration monitors.

A categorical profile counts values on the categories fixed by the field's first batch, plus an
"other" bucket. That is right for drift, and wrong for a feedback loop: items that were not among
the first batch's top categories all land in "other", so the catalogue's long tail (exactly what
narrows) is invisible. Stored windows of a categorical field therefore also keep exact counts per
distinct value, up to :data:`MAX_ITEMS` values per stored window. Past that cap the rarest values
(ties broken by name) are folded into an ``overflow`` count, which the narrowing check reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from surefoot.monitor._bins import as_categorical
from surefoot.monitor._concentration import ItemCounts
from surefoot.monitor._profile import FieldProfile

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from surefoot.core import ProfileWindowRecord

MAX_ITEMS = 10_000
"""Distinct values counted exactly per stored window of a categorical field."""

ITEMS_KEY = "items"


def count_items(values: Any) -> dict[str, int]:
    """Occurrences per distinct value of a column; missing values are skipped.

    Examples:
        >>> count_items(["b", "a", None, "b"])
        {'a': 1, 'b': 2}
    """
    labels = as_categorical(np.atleast_1d(np.asarray(values)))
    labels = labels[labels != ""]
    names, counts = np.unique(labels, return_counts=True)
    return {str(n): int(c) for n, c in zip(names, counts, strict=True)}


def merge_items(
    old: Mapping[str, Any] | None, counts: Mapping[str, int], cap: int = MAX_ITEMS
) -> dict[str, Any]:
    """The stored item state ``old`` with ``counts`` added, capped at ``cap`` distinct values.

    Examples:
        >>> merge_items({"counts": {"a": 2}, "overflow": 0}, {"a": 1, "b": 1, "c": 1}, cap=2)
        {'counts': {'a': 3, 'b': 1}, 'overflow': 1}
    """
    merged: dict[str, int] = dict(old["counts"]) if old else {}
    overflow = int(old["overflow"]) if old else 0
    for item, count in counts.items():
        merged[item] = merged.get(item, 0) + int(count)
    if len(merged) > cap:
        ranked = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
        overflow += sum(c for _, c in ranked[cap:])
        merged = dict(ranked[:cap])
    return {"counts": dict(sorted(merged.items())), "overflow": overflow}


def read_items(rows: Iterable[ProfileWindowRecord]) -> tuple[ItemCounts | None, int, str | None]:
    """Merged item counts of stored windows, the occurrences past the cap, and the field kind.

    Windows stored before item counts existed fall back to their profile's known categories.
    """
    merged: ItemCounts | None = None
    overflow = 0
    kind: str | None = None
    for row in rows:
        whole: Any = row.state  # JSON written by the profile writer
        kind = str(whole["bins"]["kind"])
        if kind != "categorical":
            return None, 0, kind
        state = whole.get(ITEMS_KEY)
        if state is None:
            counts = ItemCounts.from_profile(FieldProfile.from_dict(whole))
        else:
            counts = ItemCounts(state["counts"])
            overflow += int(state["overflow"])
        merged = counts if merged is None else merged + counts
    return merged, overflow, kind
