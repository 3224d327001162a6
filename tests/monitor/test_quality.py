"""Data quality at ingestion: schemas on records and columns, reject or flag, never coerce."""

from __future__ import annotations

import numpy as np
import pytest

from surefoot.core import InvalidInput
from surefoot.monitor import FieldSpec, Profile, Schema, SchemaViolation, fit_bins

PLANS = frozenset({"free", "pro"})


def _schema(policy: str = "reject") -> Schema:
    return Schema(
        [
            FieldSpec("age", "integer", minimum=0, maximum=130),
            FieldSpec("score", "number", nullable=True, minimum=0.0, maximum=1.0),
            FieldSpec("plan", "category", allowed=PLANS),
            FieldSpec("email", "string", required=False),
        ],
        policy=policy,
    )


def test_clean_records_pass() -> None:
    """Records that keep every rule give an empty report."""
    report = _schema().validate_records(
        [{"age": 30, "score": 0.5, "plan": "pro"}, {"age": 0, "score": None, "plan": "free"}]
    )
    assert report.ok and report.n == 2


def test_reject_names_index_field_value_and_rule() -> None:
    """The first broken record is named with its field, value, rule and what to do next."""
    records = [{"age": 30, "plan": "pro", "score": 0.1}, {"age": 200, "plan": "pro", "score": 0.1}]
    with pytest.raises(SchemaViolation) as caught:
        _schema().validate_records(records)
    error = caught.value
    assert (error.violation.index, error.violation.field) == (1, "age")
    assert (error.violation.value, error.violation.rule) == (200, "maximum")
    assert "record 1" in str(error) and "'flag'" in str(error)
    assert isinstance(error, InvalidInput)


def test_numeric_strings_are_type_violations_not_numbers() -> None:
    """A "3" in an integer field and True in a number field are never coerced."""
    report = _schema("flag").validate_records(
        [{"age": "3", "score": True, "plan": "pro"}, {"age": 3.0, "score": 0.2, "plan": "pro"}]
    )
    assert report.rules == {("age", "type"): 2, ("score", "type"): 1}


def test_missing_keys_and_nulls_are_different_rules() -> None:
    """An absent required key breaks ``required``; a present None breaks ``nullable``."""
    report = _schema("flag").validate_records(
        [{"score": 0.1, "plan": "pro"}, {"age": None, "score": None, "plan": "pro"}]
    )
    assert report.rules == {("age", "required"): 1, ("age", "nullable"): 1}


def test_flag_lets_records_through_and_gives_violation_signals() -> None:
    """Flagged violations become 0/1 signal columns that profile like any field."""
    report = _schema("flag").validate_records(
        [{"age": 30, "plan": "gold"}, {"age": 31, "plan": "pro"}, {"age": -4, "plan": "pro"}]
    )
    signals = report.signals()
    assert signals["quality.plan.violation"] == [1.0, 0.0, 0.0]
    assert signals["quality.age.violation"] == [0.0, 0.0, 1.0]
    profile = Profile(fit_bins(signals)).update(signals)
    assert profile["quality.plan.violation"].get().count == 3


def test_a_field_policy_overrides_the_schema_policy() -> None:
    """A flag field inside a reject schema is counted, not raised."""
    schema = Schema([FieldSpec("plan", "category", allowed=PLANS, policy="flag")], policy="reject")
    assert schema.validate_records([{"plan": "gold"}]).counts == {"plan": 1}


def test_columns_are_validated_vectorised() -> None:
    """A million-row numpy batch is checked by masks, with counts exact and examples capped."""
    n = 1_000_000
    ages = np.arange(n) % 150
    plans = np.where(ages % 2 == 0, "free", "pro")
    report = _schema("flag").validate_columns(
        {"age": ages, "score": np.full(n, 0.5), "plan": plans}
    )
    assert report.rules == {("age", "maximum"): int(np.sum(ages > 130))}
    assert len(report.violations) == 100
    assert report.violations[0].value == 131


def test_nan_in_a_float_column_is_a_null() -> None:
    """NaN counts as a missing number: allowed when nullable, a violation otherwise."""
    schema = Schema([FieldSpec("x", "number")], policy="flag")
    report = schema.validate_columns({"x": np.array([1.0, np.nan])})
    assert report.rules == {("x", "nullable"): 1}


def test_a_missing_required_column_breaks_every_record() -> None:
    """A batch without a required column flags each record under ``required``."""
    report = _schema("flag").validate_columns({"age": [1, 2], "plan": ["pro", "pro"]})
    assert report.rules == {("score", "required"): 2}


def test_lists_of_mixed_values_are_not_turned_into_strings() -> None:
    """A list column mixing numbers and strings is checked value by value."""
    report = Schema([FieldSpec("x", "number")], policy="flag").validate_columns(
        {"x": [1, "2", 3.5]}
    )
    assert [(v.index, v.value) for v in report.violations] == [(1, "2")]


def test_extra_fields_can_be_refused() -> None:
    """With ``allow_extra=False`` an unknown key is a violation under ``extra``."""
    schema = Schema([FieldSpec("a", "string")], allow_extra=False)
    with pytest.raises(SchemaViolation, match="'extra'"):
        schema.validate_records([{"a": "x", "b": 1}])


def test_columns_of_different_lengths_are_refused() -> None:
    """Misaligned columns are an input error."""
    with pytest.raises(InvalidInput, match="different lengths"):
        _schema().validate_columns({"age": [1, 2], "plan": ["pro"]})


def test_schema_definitions_are_checked() -> None:
    """Unknown types and category fields without categories are refused when declared."""
    with pytest.raises(InvalidInput, match="unknown type"):
        FieldSpec("a", "decimal")
    with pytest.raises(InvalidInput, match="allowed categories"):
        FieldSpec("a", "category")
