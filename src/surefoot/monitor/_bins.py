"""Reference bins: fixed once from the reference data, shared by every window's profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from surefoot.core import InvalidInput

FieldKind = Literal["numeric", "categorical"]
# Up to this many known categories, assigning compares against each instead of sorting.
SCAN_LIMIT = 64
PREFIX = 4096

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def as_numeric(values: Any) -> FloatArray:
    """Normalise a column to float64, with ``None`` and NaN meaning missing."""
    array = np.asarray(values)
    if array.dtype.kind in "fiub":
        return array.astype(np.float64, copy=False).ravel()
    try:
        return np.array([np.nan if v is None else v for v in array.ravel()], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            "a numeric field received a value that is not a number; "
            "declare the field categorical or clean the column"
        ) from exc


def bucket(edges: tuple[float, ...], values: FloatArray) -> IntArray:
    """The bin of each value: how many edges are at or below it."""
    if len(edges) > SCAN_LIMIT:
        return np.searchsorted(np.asarray(edges), values, side="right").astype(np.int64)
    # For a few edges, one vectorised comparison per edge is several times faster than a binary
    # search per value, and a small integer type keeps the passes cache-friendly.
    index = np.zeros(values.size, dtype=np.uint8)
    for edge in edges:
        index += values >= edge
    return index.astype(np.int64)


def present_numbers(numbers: FloatArray) -> FloatArray:
    """The non-missing values, without a copy when nothing is missing."""
    missing = np.isnan(numbers)
    return numbers[~missing] if missing.any() else numbers


def as_categorical(values: Any) -> npt.NDArray[np.str_]:
    """Normalise a column to strings; missing values (and empty strings) become ``""``."""
    array = np.asarray(values)
    if array.dtype.kind == "U":
        # Already strings (no None possible): skip the per-value Python loop.
        return array.ravel()
    array = array.astype(object).ravel()
    missing = np.fromiter((_is_missing(v) for v in array), dtype=bool, count=array.size)
    out = array.astype(str)
    out[missing] = ""
    return out


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


@dataclass(frozen=True)
class Bins:
    """The bins of one field, fixed from the reference so every window is comparable.

    Numeric fields get quantile bins (each holds about the same share of the reference); when the
    reference has no more distinct values than bins, each value gets its own bin, so statistics
    on discrete data are exact. Categorical fields get the most frequent reference categories
    plus one ``"other"`` bucket that catches categories never seen in the reference.

    Attributes:
        kind: ``"numeric"`` or ``"categorical"``.
        edges: Inner bin edges of a numeric field; bin ``i`` holds ``edges[i-1] <= x < edges[i]``.
        centers: A representative value per numeric bin (the reference mean inside the bin).
        categories: Known categories of a categorical field, the last bin being "other".
    """

    kind: FieldKind
    edges: tuple[float, ...] = ()
    centers: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()

    @property
    def n_bins(self) -> int:
        """Number of bins, including the "other" bucket of a categorical field."""
        if self.kind == "numeric":
            return len(self.edges) + 1
        return len(self.categories) + 1

    @classmethod
    def numeric(cls, reference: Any, n_bins: int = 10) -> Bins:
        """Quantile bins from a numeric reference column.

        Examples:
            >>> Bins.numeric([1, 2, 2, 3]).centers
            (0.0, 1.0, 2.0, 3.0, 4.0)
        """
        values = as_numeric(reference)
        values = values[~np.isnan(values)]
        if values.size == 0:
            raise InvalidInput("the reference column is empty; give at least one non-missing value")
        if n_bins < 2:
            raise InvalidInput("n_bins must be at least 2")
        low, high = float(values.min()), float(values.max())
        # More distinct values than bins in a prefix proves the column continuous without a sort.
        if np.unique(values[:PREFIX]).size <= n_bins and np.unique(values).size <= n_bins:
            # Discrete data: one bin per value, so binned statistics equal the exact ones, plus
            # an empty bin on each side so a value the reference never had is still seen
            # (a 0/1 rate whose reference is all 1s must notice the first 0).
            distinct = np.unique(values)
            inner = (distinct[:-1] + distinct[1:]) / 2.0
            edges = np.concatenate(([low], inner, [np.nextafter(high, np.inf)]))
            step = (high - low) / (distinct.size - 1) if distinct.size > 1 else max(abs(low), 1.0)
            centers = [low - step, *distinct.tolist(), high + step]
            return cls("numeric", tuple(edges.tolist()), tuple(float(c) for c in centers))
        edges = np.unique(np.quantile(values, np.linspace(0.0, 1.0, n_bins + 1)[1:-1]))
        index = bucket(tuple(edges.tolist()), values)
        counts = np.bincount(index, minlength=edges.size + 1).astype(np.int64)
        sums = np.bincount(index, weights=values, minlength=edges.size + 1).astype(np.float64)
        centers = _centers(edges, counts, sums, low, high)
        return cls("numeric", tuple(edges.tolist()), tuple(centers))

    @classmethod
    def categorical(cls, reference: Any, max_categories: int = 50) -> Bins:
        """The ``max_categories`` most frequent reference categories plus "other".

        Examples:
            >>> Bins.categorical(["a", "b", "a", None]).categories
            ('a', 'b')
        """
        values = as_categorical(reference)
        values = values[values != ""]
        names, counts = np.unique(values, return_counts=True)
        # Most frequent first; ties broken by name so the bins are deterministic.
        order = sorted(range(names.size), key=lambda i: (-int(counts[i]), str(names[i])))
        kept = tuple(str(names[i]) for i in order[:max_categories])
        return cls("categorical", categories=kept)

    @classmethod
    def infer(cls, reference: Any, n_bins: int = 10, max_categories: int = 50) -> Bins:
        """Numeric bins for numbers, booleans or None-padded numbers; categorical otherwise."""
        array = np.asarray(reference)
        if array.dtype.kind in "fiub":
            return cls.numeric(array, n_bins)
        if array.dtype == object and all(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool))
            for v in array.ravel()
        ):
            return cls.numeric(array, n_bins)
        return cls.categorical(array, max_categories)

    def assign(self, values: Any) -> tuple[IntArray, int]:
        """Bin indices of the present values and the number of missing ones."""
        if self.kind == "numeric":
            present = present_numbers(as_numeric(values))
            return bucket(self.edges, present), int(np.asarray(values).size - present.size)
        labels = as_categorical(values)
        empty = labels == ""
        present_labels = labels[~empty] if empty.any() else labels
        other = len(self.categories)
        missing = int(labels.size - present_labels.size)
        if not other or not present_labels.size:
            return np.full(present_labels.size, other, dtype=np.int64), missing
        # Binary search into the sorted known categories, then confirm the match: O(n log k)
        # and about three times faster than np.unique with an inverse on the labels.
        known = np.asarray(self.categories)
        order = np.argsort(known)
        ranked = known[order]
        position = np.minimum(np.searchsorted(ranked, present_labels), ranked.size - 1)
        found = ranked[position] == present_labels
        return np.where(found, order[position], other).astype(np.int64), missing


def _centers(
    edges: FloatArray, counts: IntArray, sums: FloatArray, low: float, high: float
) -> list[float]:
    bounds = np.concatenate(([low], edges, [high]))
    midpoints = (bounds[:-1] + bounds[1:]) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), midpoints)
    return [float(m) for m in means]
