"""Concentration of outputs: entropy, Gini and coverage of recommended items or chosen categories.

A feedback loop narrows what a system outputs: popular items get recommended, clicked, and
recommended more, until a catalogue of thousands serves a few dozen. Drift tests on the output
distribution see this late and say nothing about its direction; these three numbers say it
directly:

* **normalised entropy** ``H / log(support)``: 1 when every item is equally common, 0 when one
  item is everything;
* **Gini coefficient** of item exposure (items never shown count as zeros): 0 for equal exposure,
  towards 1 when a few items take everything;
* **coverage**: distinct items seen over the catalogue size (or the reference's distinct items).

:class:`ItemCounts` is the mergeable per-window state (exact counts per item id, merged by sums).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from surefoot.core import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from surefoot.monitor._profile import FieldProfile


def _frequencies(counts: Sequence[float] | Any, support: int | None) -> Any:
    values = np.asarray(counts, dtype=np.float64).ravel()
    if values.size and (values < 0).any():
        raise InvalidInput("counts must not be negative")
    if support is not None:
        if support < values[values > 0].size:
            raise InvalidInput(
                f"support {support} is smaller than the {values[values > 0].size} items seen; "
                "give the full catalogue size"
            )
        values = np.concatenate((values, np.zeros(support - values.size))) if (
            support > values.size
        ) else values  # fmt: skip
    return values


def normalized_entropy(counts: Sequence[float] | Any, support: int | None = None) -> float:
    """Shannon entropy of the counts divided by ``log(support)``, in [0, 1].

    Args:
        counts: Occurrences per item.
        support: Number of possible items (defaults to ``len(counts)``).

    Examples:
        >>> normalized_entropy([5, 5, 5, 5])
        1.0
        >>> round(normalized_entropy([1, 1], support=4), 3)
        0.5
    """
    values = _frequencies(counts, support)
    total, size = float(values.sum()), values.size
    if total <= 0 or size < 2:
        return 0.0 if total > 0 else math.nan
    p = values[values > 0] / total
    return float(-np.sum(p * np.log(p)) / math.log(size))


def gini(counts: Sequence[float] | Any, support: int | None = None) -> float:
    """Gini coefficient of the counts (items up to ``support`` never seen count as zeros).

    Examples:
        >>> gini([3, 3, 3])
        0.0
        >>> round(gini([0, 0, 0, 10]), 3)
        0.75
    """
    values = np.sort(_frequencies(counts, support))
    total, n = float(values.sum()), values.size
    if total <= 0:
        return math.nan
    ranks = np.arange(1, n + 1)
    return float(2.0 * np.sum(ranks * values) / (n * total) - (n + 1.0) / n)


def coverage(counts: Sequence[float] | Any, catalogue_size: int) -> float:
    """Share of the catalogue seen at least once.

    Examples:
        >>> coverage([4, 0, 1], catalogue_size=10)
        0.2
    """
    if catalogue_size < 1:
        raise InvalidInput("catalogue_size must be at least 1")
    return float(np.count_nonzero(np.asarray(counts)) / catalogue_size)


@dataclass(frozen=True)
class Concentration:
    """How concentrated one window's outputs are.

    Attributes:
        n: Outputs counted.
        distinct: Distinct items among them.
        entropy: Normalised entropy (over ``support`` items).
        gini: Gini coefficient of exposure (over ``support`` items).
        coverage: ``distinct / support``.
        support: The catalogue size, or the reference's distinct items.
    """

    n: int
    distinct: int
    entropy: float
    gini: float
    coverage: float
    support: int


class ItemCounts:
    """Exact occurrences per item id over a window; merges by summing, in any order.

    Examples:
        >>> a = ItemCounts().update(["x", "y", "x"])
        >>> b = ItemCounts().update(["z"])
        >>> (a + b).get(catalogue_size=4).coverage
        0.75
    """

    def __init__(self, counts: Mapping[str, int] | None = None) -> None:
        self._counts: Counter[str] = Counter()
        for item, count in (counts or {}).items():
            if count < 0:
                raise InvalidInput(f"item {item!r} has a negative count; counts are occurrences")
            if count:
                self._counts[str(item)] += int(count)

    @classmethod
    def from_profile(cls, profile: FieldProfile) -> ItemCounts:
        """Counts of a categorical field profile's known categories ("other" is not an item)."""
        if profile.bins.kind != "categorical":
            raise InvalidInput("concentration needs a categorical field profile")
        return cls(dict(zip(profile.bins.categories, profile.get().counts, strict=False)))

    def update(self, items: Iterable[object]) -> ItemCounts:
        """Count outputs (``None`` is skipped); returns ``self``."""
        self._counts.update(str(i) for i in items if i is not None)
        return self

    def __iadd__(self, other: ItemCounts) -> ItemCounts:
        self._counts.update(other._counts)
        return self

    def __add__(self, other: ItemCounts) -> ItemCounts:
        return ItemCounts(self._counts).__iadd__(other)

    def merge(self, other: ItemCounts) -> ItemCounts:
        """A new state holding both windows."""
        return self + other

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ItemCounts) and self._counts == other._counts

    __hash__ = None  # type: ignore[assignment]  # mutable, like a Counter

    @property
    def n(self) -> int:
        """Outputs counted."""
        return sum(self._counts.values())

    def items(self) -> dict[str, int]:
        """Occurrences per item."""
        return dict(self._counts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state."""
        return {"counts": dict(sorted(self._counts.items()))}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ItemCounts:
        """Load what :meth:`to_dict` wrote."""
        try:
            return cls({str(k): int(v) for k, v in data["counts"].items()})
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInput(
                f"not item counts ({exc}); load what ItemCounts.to_dict wrote"
            ) from exc

    def get(self, catalogue_size: int | None = None) -> Concentration:
        """Entropy, Gini and coverage over ``catalogue_size`` items (default: items seen)."""
        counts = np.fromiter(self._counts.values(), dtype=np.float64, count=len(self._counts))
        support = catalogue_size if catalogue_size is not None else max(counts.size, 1)
        return Concentration(
            n=int(counts.sum()),
            distinct=int(counts.size),
            entropy=normalized_entropy(counts, support),
            gini=gini(counts, support),
            coverage=coverage(counts, support),
            support=support,
        )
