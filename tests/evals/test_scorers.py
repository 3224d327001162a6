"""Built-in per-case scorers."""

from __future__ import annotations

import pytest
from hypothesis import given
from tests.evals.strategies import text

from surefoot.evals import (
    Contains,
    JsonSchema,
    NumericTolerance,
    Regex,
    exact_match,
    json_valid,
    normalised_match,
)


@given(value=text)
def test_normalised_match_ignores_case_and_spacing(value: str) -> None:
    """A value always matches itself padded with whitespace."""
    assert normalised_match(f" {value}  ", value) == 1.0


def test_exact_match_is_strict() -> None:
    """Exact match distinguishes case."""
    assert (exact_match("A", "A"), exact_match("a", "A")) == (1.0, 0.0)


def test_contains_requires_every_needle() -> None:
    """A list of expected texts must all occur."""
    assert Contains()("Paris, France", ["paris", "france"]) == 1.0
    assert Contains()("Paris", ["paris", "france"]) == 0.0


def test_regex_rejects_bad_pattern_at_definition() -> None:
    """An invalid pattern fails when the scorer is made, not on the first case."""
    with pytest.raises(Exception, match="unterminated"):
        Regex("(unclosed")


def test_json_schema_checks_required_fields() -> None:
    """JSON that misses a required field scores 0; invalid JSON too."""
    scorer = JsonSchema({"type": "object", "required": ["answer"]})
    assert [scorer(o, None) for o in ('{"answer": 1}', '{"other": 1}', "{")] == [1.0, 0.0, 0.0]
    assert json_valid(None, None) == 0.0


def test_numeric_tolerance() -> None:
    """Numbers within the absolute tolerance match; text that is no number does not."""
    scorer = NumericTolerance(abs_tol=0.5)
    assert [scorer(o, 10) for o in ("10.4", "11", "ten")] == [1.0, 0.0, 0.0]
