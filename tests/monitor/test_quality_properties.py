"""Property tests of the schema validator: records and columns agree, counts are exact."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from surefoot.monitor import FieldSpec, Schema, SchemaViolation

SCHEMA = Schema(
    [
        FieldSpec("n", "number", nullable=True, minimum=-10.0, maximum=10.0),
        FieldSpec("k", "integer", required=False),
        FieldSpec("c", "category", allowed=frozenset({"a", "b"})),
        FieldSpec("f", "boolean", nullable=True),
    ],
    policy="flag",
)
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-20, 20),
    st.floats(-20, 20),
    st.just(float("nan")),
    st.sampled_from(["a", "b", "z", "1"]),
)
records = st.lists(
    st.dictionaries(st.sampled_from(["n", "k", "c", "f"]), values), min_size=0, max_size=30
)


def _expected(record: dict[str, Any], name: str) -> bool:
    """Whether ``record`` breaks a rule of field ``name``, by a direct reading of the rules."""
    if name not in record:
        return name != "k"
    v = record[name]
    null = v is None or (isinstance(v, float) and v != v)
    if null:
        return name in ("k", "c")
    if name == "n":
        return isinstance(v, bool) or not isinstance(v, int | float) or not -10 <= v <= 10
    if name == "k":
        return isinstance(v, bool) or not isinstance(v, int)
    if name == "c":
        return v not in ("a", "b")
    return not isinstance(v, bool)


@settings(max_examples=200, deadline=None)
@given(records)
def test_flags_match_a_direct_reading_of_the_rules(batch: list[dict[str, Any]]) -> None:
    """Each record is flagged on a field exactly when it breaks one of that field's rules."""
    report = SCHEMA.validate_records(batch)
    for name in ("n", "k", "c", "f"):
        expected = [_expected(r, name) for r in batch]
        assert report.flags[name].tolist() == expected


@settings(max_examples=200, deadline=None)
@given(records)
def test_records_and_columns_give_the_same_counts(batch: list[dict[str, Any]]) -> None:
    """Validating records, or the same data as columns of present keys, counts alike."""
    complete = [r for r in batch if set(r) == {"n", "k", "c", "f"}]
    columns = {name: [r[name] for r in complete] for name in ("n", "k", "c", "f")}
    assert SCHEMA.validate_records(complete).rules == SCHEMA.validate_columns(columns).rules


@settings(max_examples=100, deadline=None)
@given(records)
def test_validation_is_idempotent_and_leaves_input_alone(batch: list[dict[str, Any]]) -> None:
    """Validating twice gives equal results and never changes the records."""
    before = [dict(r) for r in batch]
    first, second = SCHEMA.validate_records(batch), SCHEMA.validate_records(batch)
    assert first.rules == second.rules
    assert [v.index for v in first.violations] == [v.index for v in second.violations]
    assert [set(r) for r in batch] == [set(r) for r in before]


@settings(max_examples=100, deadline=None)
@given(records)
def test_reject_raises_exactly_when_flag_finds_something(batch: list[dict[str, Any]]) -> None:
    """The reject policy raises on the lowest broken record index that flag reports."""
    flagged = SCHEMA.validate_records(batch)
    strict = Schema(SCHEMA.fields, policy="reject")
    try:
        strict.validate_records(batch)
    except SchemaViolation as error:
        assert error.violation.index == min(v.index for v in flagged.violations)
        assert error.count == sum(flagged.counts.values())
    else:
        assert flagged.ok


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-50, 50), max_size=50))
def test_typed_float_columns_agree_with_object_columns(xs: list[float]) -> None:
    """A float64 column and the same values as a list give the same range violations."""
    schema = Schema([FieldSpec("n", "number", minimum=-10.0, maximum=10.0)], policy="flag")
    typed = schema.validate_columns({"n": np.asarray(xs, dtype=np.float64)})
    listed = schema.validate_columns({"n": xs})
    assert typed.rules == listed.rules
