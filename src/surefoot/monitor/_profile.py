"""Mergeable per-window profiles: counts on reference bins, missing counts and moments.

The quantile sketch is the histogram on the reference's quantile bins itself. We chose it over a
t-digest because merging is an exact sum of integer counts: associative, order-independent and
deterministic, which is what lets a map-reduce job over a data lake build the same profile as the
store. Its resolution is the reference's quantiles, which is where drift statistics look anyway.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from surefoot.core import InvalidInput
from surefoot.monitor._bins import Bins, IntArray, as_numeric, present_numbers

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping


@dataclass(frozen=True)
class FieldSummary:
    """What a field profile knows, as plain values.

    Attributes:
        count: Non-missing values seen.
        missing: Missing values (``None`` or NaN) seen.
        counts: Values per reference bin.
        mean: Mean of the values (NaN for categorical fields or no values).
        std: Population standard deviation (NaN when unknown).
        minimum: Smallest value (NaN when unknown).
        maximum: Largest value (NaN when unknown).
    """

    count: int
    missing: int
    counts: tuple[int, ...]
    mean: float
    std: float
    minimum: float
    maximum: float


class FieldProfile:
    """A mergeable summary of one field over one window.

    Args:
        bins: The reference bins the values are counted on.

    Examples:
        >>> bins = Bins.numeric([1.0, 2.0, 3.0, 4.0], n_bins=2)
        >>> a = FieldProfile(bins).update([1.0, 4.0])
        >>> b = FieldProfile(bins).update([None, 2.0])
        >>> (a + b).get().counts, (a + b).get().missing
        ((2, 1), 1)
    """

    def __init__(self, bins: Bins) -> None:
        self.bins = bins
        self._counts: IntArray = np.zeros(bins.n_bins, dtype=np.int64)
        self._missing = 0
        self._sum = 0.0
        self._sumsq = 0.0
        self._min = math.inf
        self._max = -math.inf

    @property
    def counts(self) -> IntArray:
        """Values per bin (a read-only view)."""
        view = self._counts.view()
        view.flags.writeable = False
        return view

    @property
    def n(self) -> int:
        """Non-missing values seen."""
        return int(self._counts.sum())

    @property
    def missing(self) -> int:
        """Missing values seen."""
        return self._missing

    def update(self, values: Any) -> FieldProfile:
        """Count a batch of values (an array, a list, or a single value)."""
        if self.bins.kind == "numeric":
            numbers = as_numeric(np.atleast_1d(np.asarray(values)))
            index, missing = self.bins.assign(numbers)
            numbers = present_numbers(numbers)
            if numbers.size:
                with np.errstate(over="ignore", invalid="ignore"):
                    total, squares = float(numbers.sum()), float(np.dot(numbers, numbers))
                self._sum, self._sumsq = _moments(self._sum + total, self._sumsq + squares)
                self._min = min(self._min, float(numbers.min()))
                self._max = max(self._max, float(numbers.max()))
        else:
            index, missing = self.bins.assign(np.atleast_1d(np.asarray(values)))
        self._counts += np.bincount(index, minlength=self.bins.n_bins)
        self._missing += missing
        return self

    def __iadd__(self, other: FieldProfile) -> FieldProfile:
        if other.bins != self.bins:
            raise InvalidInput(
                "cannot merge profiles built on different bins; build both from the same reference"
            )
        self._sum, self._sumsq = _moments(self._sum + other._sum, self._sumsq + other._sumsq)
        self._counts += other._counts
        self._missing += other._missing
        self._min = min(self._min, other._min)
        self._max = max(self._max, other._max)
        return self

    def __add__(self, other: FieldProfile) -> FieldProfile:
        return self.copy().__iadd__(other)

    def merge(self, other: FieldProfile) -> FieldProfile:
        """A new profile holding both windows' data."""
        return self + other

    def copy(self) -> FieldProfile:
        """An independent copy."""
        clone = FieldProfile(self.bins)
        clone += self
        return clone

    def get(self) -> FieldSummary:
        """The summary as plain values."""
        n = self.n
        numeric = self.bins.kind == "numeric" and n > 0
        mean = self._sum / n if numeric else math.nan
        var = max(self._sumsq / n - mean * mean, 0.0) if numeric else math.nan
        return FieldSummary(
            count=n,
            missing=self._missing,
            counts=tuple(int(c) for c in self._counts),
            mean=mean,
            std=math.sqrt(var),
            minimum=self._min if numeric else math.nan,
            maximum=self._max if numeric else math.nan,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state, bins included, so a profile built elsewhere can be loaded.

        Examples:
            >>> p = FieldProfile(Bins.categorical(["a", "b"])).update(["a", "z", None])
            >>> FieldProfile.from_dict(p.to_dict()).get().counts
            (1, 0, 1)
        """
        return {
            "bins": asdict(self.bins),
            "counts": [int(c) for c in self._counts],
            "missing": self._missing,
            "sum": self._sum,
            "sumsq": self._sumsq,
            # JSON has no infinity: an empty profile's extremes are written as null.
            "min": self._min if math.isfinite(self._min) else None,
            "max": self._max if math.isfinite(self._max) else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FieldProfile:
        """Load a profile written by :meth:`to_dict`.

        Raises:
            InvalidInput: The data is not a profile, or its counts do not fit its bins.
        """
        try:
            raw = data["bins"]
            bins = Bins(
                raw["kind"],
                tuple(float(e) for e in raw["edges"]),
                tuple(float(c) for c in raw["centers"]),
                tuple(str(c) for c in raw["categories"]),
            )
            counts = np.asarray(data["counts"], dtype=np.int64)
            profile = cls(bins)
            if counts.shape != (bins.n_bins,) or (counts < 0).any():
                raise ValueError("counts do not match the bins")
            profile._counts = counts
            profile._missing = int(data["missing"])
            profile._sum, profile._sumsq = float(data["sum"]), float(data["sumsq"])
            profile._min = math.inf if data["min"] is None else float(data["min"])
            profile._max = -math.inf if data["max"] is None else float(data["max"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(
                f"not a field profile ({exc}); load only what FieldProfile.to_dict wrote"
            ) from exc
        return profile

    def quantile(self, q: float) -> float:
        """Approximate quantile, interpolated linearly inside the reference bins.

        Examples:
            >>> bins = Bins.numeric(list(range(100)), n_bins=4)
            >>> round(FieldProfile(bins).update(list(range(100))).quantile(0.5))
            50
        """
        if self.bins.kind != "numeric" or self.n == 0:
            raise InvalidInput("quantiles need a numeric field with at least one value")
        if not 0.0 <= q <= 1.0:
            raise InvalidInput("q must be between 0 and 1")
        bounds = np.concatenate(([self._min], self.bins.edges, [self._max]))
        bounds = np.clip(bounds, self._min, self._max)
        cdf = np.concatenate(([0.0], np.cumsum(self._counts) / self.n))
        return float(np.interp(q, cdf, bounds))


def _moments(total: float, squares: float) -> tuple[float, float]:
    # An infinite sum of squares cannot be stored (JSON, and PostgreSQL's JSONB, have no
    # infinity) and would make the mean and spread meaningless: refuse it before any state moves.
    if not (math.isfinite(total) and math.isfinite(squares)):
        raise InvalidInput(
            "values are infinite or so large that their sum of squares overflows a float "
            f"(|x| above about {OVERFLOW_LIMIT:.1e}); rescale the field (a log or a larger unit) "
            "or drop those values"
        )
    return total, squares


OVERFLOW_LIMIT = math.sqrt(np.finfo(np.float64).max)
"""Values beyond this magnitude overflow a profile's sum of squares."""


class Profile:
    """Field profiles of one window, keyed by field name; merges like each field does.

    Args:
        bins: Reference bins per field.

    Examples:
        >>> bins = fit_bins({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]})
        >>> p = Profile(bins).update({"x": [2.0], "c": ["z"]})
        >>> p["c"].get().counts
        (0, 0, 1)
    """

    def __init__(self, bins: Mapping[str, Bins]) -> None:
        self.bins = dict(bins)
        self._fields = {name: FieldProfile(b) for name, b in self.bins.items()}

    def __getitem__(self, name: str) -> FieldProfile:
        return self._fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def update(self, batch: Mapping[str, Any]) -> Profile:
        """Count a dict-of-columns batch; fields absent from the batch are left alone."""
        unknown = set(batch) - set(self._fields)
        if unknown:
            raise InvalidInput(
                f"fields {sorted(unknown)} have no reference bins; refit the bins with them"
            )
        for name, column in batch.items():
            self._fields[name].update(column)
        return self

    def __iadd__(self, other: Profile) -> Profile:
        if set(other) != set(self):
            raise InvalidInput("cannot merge profiles of different fields; use the same bins")
        for name, field in self._fields.items():
            field += other[name]
        return self

    def __add__(self, other: Profile) -> Profile:
        return self.copy().__iadd__(other)

    def merge(self, other: Profile) -> Profile:
        """A new profile holding both windows' data."""
        return self + other

    def copy(self) -> Profile:
        """An independent copy."""
        clone = Profile(self.bins)
        clone += self
        return clone

    def get(self) -> dict[str, FieldSummary]:
        """Summaries per field."""
        return {name: field.get() for name, field in self._fields.items()}


def fit_bins(
    reference: Mapping[str, Any],
    *,
    n_bins: int = 10,
    max_categories: int = 50,
    kinds: Mapping[str, str] | None = None,
) -> dict[str, Bins]:
    """Fix bins for every column of a reference batch.

    Args:
        reference: Columns of the reference data (arrays or lists).
        n_bins: Quantile bins per numeric field.
        max_categories: Known categories per categorical field; the rest fall in "other".
        kinds: Optional ``{"field": "numeric" | "categorical"}`` overriding inference.

    Returns:
        Bins per field.
    """
    kinds = kinds or {}
    out: dict[str, Bins] = {}
    for name, column in reference.items():
        kind = kinds.get(name)
        if kind == "numeric":
            out[name] = Bins.numeric(column, n_bins)
        elif kind == "categorical":
            out[name] = Bins.categorical(column, max_categories)
        elif kind is None:
            out[name] = Bins.infer(column, n_bins, max_categories)
        else:
            raise InvalidInput(f"kind {kind!r} of {name!r} must be 'numeric' or 'categorical'")
    return out
