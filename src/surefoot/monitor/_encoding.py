"""Turn mixed tabular columns into one standardised numeric matrix, fitted on the reference.

Numbers are imputed with the reference mean; categories (and booleans) are frequency encoded, so
a category becomes its share of the reference and an unseen category becomes 0 (the most unusual
value possible). Every column is then standardised with the reference mean and deviation, so no
column dominates a distance or a penalty by its units alone.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from surefoot.core import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Column:
    name: str
    numeric: bool
    fill: float
    frequencies: Mapping[Any, float]
    mean: float
    std: float


class TabularEncoder:
    """Encodes columns by name into a float matrix with one standardised column per field.

    Examples:
        >>> enc = TabularEncoder.fit({"x": [1.0, 2.0, 3.0], "c": ["a", "a", "b"]})
        >>> enc.transform({"x": [2.0, None], "c": ["a", "z"]}).round(2).tolist()
        [[0.0, 0.71], [0.0, -3.54]]
    """

    def __init__(self, columns: Sequence[_Column]) -> None:
        self._columns = tuple(columns)

    @property
    def names(self) -> tuple[str, ...]:
        """Field names, in matrix column order."""
        return tuple(c.name for c in self._columns)

    @classmethod
    def fit(cls, reference: Mapping[str, Any]) -> TabularEncoder:
        """Learn imputation, frequencies and scaling from reference columns.

        Raises:
            InvalidInput: No columns, columns of different lengths, or a column with no values.
        """
        _check_lengths(reference)
        return cls([_fit_column(name, values) for name, values in reference.items()])

    def transform(self, batch: Mapping[str, Any]) -> FloatArray:
        """Encode ``batch`` (the same field names as the reference) into an ``(n, d)`` matrix."""
        missing = [c.name for c in self._columns if c.name not in batch]
        if missing:
            raise InvalidInput(f"fields {missing} are missing; pass the reference's fields")
        n = _check_lengths({c.name: batch[c.name] for c in self._columns})
        out = np.empty((n, len(self._columns)), dtype=np.float64)
        for j, col in enumerate(self._columns):
            out[:, j] = (_raw(col, batch[col.name]) - col.mean) / col.std
        return out


def _fit_column(name: str, values: Any) -> _Column:
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        present: list[Any] = values[~np.isnan(values.astype(np.float64))].tolist()
    else:
        present = [v for v in values if not _is_missing(v)]
    if not present:
        raise InvalidInput(f"field {name!r} has no values in the reference; drop it or fill it")
    numeric = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in present)
    if numeric:
        arr = np.asarray(present, dtype=np.float64)
        col = _Column(name, True, float(arr.mean()), {}, 0.0, 1.0)
    else:
        keys, counts = np.unique(np.asarray([str(v) for v in present]), return_counts=True)
        freq = dict(zip(keys.tolist(), (counts / counts.sum()).tolist(), strict=True))
        mode = float(max(freq.values()))
        col = _Column(name, False, mode, freq, 0.0, 1.0)
    raw = _raw(col, values)
    mean, std = float(raw.mean()), float(raw.std())
    # A constant column carries no information; a unit scale keeps it finite (and zero). Rounding
    # in the mean leaves a constant column a deviation of ~1e-13 of its magnitude, not exactly 0,
    # and dividing by that would turn the constant into +/-1: treat it as constant too.
    if std <= 1e-9 * max(1.0, abs(mean)):
        std = 1.0
    return _Column(name, numeric, col.fill, col.frequencies, mean, std)


def _raw(col: _Column, values: Any) -> FloatArray:
    if col.numeric and isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        arr = values.astype(np.float64)
        return np.where(np.isnan(arr), col.fill, arr)
    if col.numeric:
        arr = np.array([np.nan if _is_missing(v) else v for v in values], dtype=np.float64)
        return np.where(np.isnan(arr), col.fill, arr)
    # Missing categories take the reference's most common frequency, as mode imputation would.
    return np.array(
        [col.fill if _is_missing(v) else col.frequencies.get(str(v), 0.0) for v in values],
        dtype=np.float64,
    )


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _check_lengths(columns: Mapping[str, Any]) -> int:
    if not columns:
        raise InvalidInput("no columns given; pass a mapping of field name to values")
    lengths = {len(v) for v in columns.values()}
    if len(lengths) != 1:
        raise InvalidInput("columns differ in length; pass one value per row in every column")
    return lengths.pop()
