"""Column checks behind :class:`~surefoot.monitor.Schema`: one boolean mask per rule.

Typed numpy columns take vectorised paths (a float64 column is all numbers, a ``<U`` column all
strings); object columns, and records turned into columns, are checked value by value.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from surefoot.monitor._quality import FieldSpec

BoolArray = npt.NDArray[np.bool_]


class FieldType(StrEnum):
    """The types a schema field can require."""

    NUMBER = "number"
    INTEGER = "integer"
    STRING = "string"
    BOOLEAN = "boolean"
    CATEGORY = "category"


class _Missing:
    """A key absent from a record (as opposed to present with ``None``)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()

# The dtype kinds whose every element is of the type, so no per-value check is needed.
_NATIVE_KINDS = {
    FieldType.NUMBER: "iuf",
    FieldType.INTEGER: "iu",
    FieldType.STRING: "U",
    FieldType.BOOLEAN: "b",
    FieldType.CATEGORY: "U",
}


def _is_number(v: object) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(
        v, bool | np.bool_
    )


def _is_integer(v: object) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


_CHECKS: dict[FieldType, Callable[[object], bool]] = {
    FieldType.NUMBER: _is_number,
    FieldType.INTEGER: _is_integer,
    FieldType.STRING: lambda v: isinstance(v, str | np.str_),
    FieldType.BOOLEAN: lambda v: isinstance(v, bool | np.bool_),
    FieldType.CATEGORY: lambda v: isinstance(v, str | np.str_),
}


def as_column(column: Any) -> npt.NDArray[Any]:
    """A 1-D array of the column without conversion: lists become object arrays, not strings."""
    if isinstance(column, np.ndarray):
        return column.reshape(-1)
    values = list(column)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _is_null(v: object) -> bool:
    return v is None or (isinstance(v, float | np.floating) and math.isnan(v))


def check_column(
    spec: FieldSpec, column: Any, n: int
) -> Iterator[tuple[str, BoolArray, npt.NDArray[Any]]]:
    """Yield ``(rule, mask, values)`` for each rule of ``spec``; ``mask`` marks broken records."""
    if column is None:
        if spec.required:
            yield "required", np.ones(n, dtype=bool), np.full(n, MISSING, dtype=object)
        return
    values = as_column(column)
    kind = values.dtype.kind
    if kind == "O":
        absent = np.fromiter((v is MISSING for v in values), dtype=bool, count=values.size)
        null = np.fromiter((_is_null(v) for v in values), dtype=bool, count=values.size)
    else:
        absent = np.zeros(values.size, dtype=bool)
        null = np.isnan(values) if kind == "f" else np.zeros(values.size, dtype=bool)
    if spec.required:
        yield "required", absent, values
    if not spec.nullable:
        yield "nullable", null, values
    present = ~(absent | null)
    field_type = FieldType(spec.type)
    if kind in _NATIVE_KINDS[field_type]:
        wrong = np.zeros(values.size, dtype=bool)
    elif kind == "O":
        check = _CHECKS[field_type]
        wrong = present & ~np.fromiter((check(v) for v in values), dtype=bool, count=values.size)
    else:
        wrong = present.copy()
    yield "type", wrong, values
    valid = present & ~wrong
    yield from _value_rules(spec, field_type, values, valid)


def _value_rules(
    spec: FieldSpec, field_type: FieldType, values: npt.NDArray[Any], valid: BoolArray
) -> Iterator[tuple[str, BoolArray, npt.NDArray[Any]]]:
    if field_type in (FieldType.NUMBER, FieldType.INTEGER) and (
        spec.minimum is not None or spec.maximum is not None
    ):
        numbers = np.zeros(values.size)
        numbers[valid] = values[valid].astype(np.float64)
        if spec.minimum is not None:
            yield "minimum", valid & (numbers < spec.minimum), values
        if spec.maximum is not None:
            yield "maximum", valid & (numbers > spec.maximum), values
    if spec.allowed is not None:
        allowed = np.asarray(sorted(spec.allowed))
        labels = values[valid].astype(str)
        outside = np.zeros(values.size, dtype=bool)
        outside[valid] = ~np.isin(labels, allowed)
        yield "allowed", outside, values
