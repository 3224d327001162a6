"""Datasets read from and written to JSONL and CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.evals.strategies import json_values, origins, tags, text

from surefoot.core import CaseOrigin, InvalidInput
from surefoot.evals import Dataset, make_case

Row = tuple[Any, Any, list[str], CaseOrigin]


@settings(max_examples=40, deadline=None)
@given(
    cases=st.lists(
        st.tuples(json_values.filter(lambda v: v not in (None, "")), json_values, tags, origins),
        max_size=5,
    ),
    suffix=st.sampled_from([".jsonl", ".csv"]),
)
def test_write_then_read_round_trips(
    tmp_path_factory: pytest.TempPathFactory,
    cases: list[tuple[Any, Any, list[str], CaseOrigin]],
    suffix: str,
) -> None:
    """Whatever cases are written to JSONL or CSV read back identical, in order."""
    data = Dataset.from_cases("d", [make_case(i, e, tags=t, origin=o) for i, e, t, o in cases])
    path = tmp_path_factory.mktemp("ds") / f"d{suffix}"
    data.write(path)
    assert Dataset.read(path).cases == data.cases


def test_malformed_jsonl_names_file_and_line(tmp_path: Path) -> None:
    """A row that is not JSON is reported with the file and its line number."""
    path = tmp_path / "qa.jsonl"
    path.write_text('{"input": "a"}\n\n{"input": "b",\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"qa\.jsonl:3: malformed JSON"):
        Dataset.read(path)


def test_case_without_input_names_the_field(tmp_path: Path) -> None:
    """A CSV row with an empty input cell is reported with its line and the field."""
    path = tmp_path / "qa.csv"
    path.write_text("input,expected\nhello,hi\n,orphan\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"qa\.csv:3: field 'input' is missing"):
        Dataset.read(path)


def test_unknown_origin_is_rejected(tmp_path: Path) -> None:
    """An origin outside the known ones is refused with the allowed values."""
    path = tmp_path / "qa.jsonl"
    path.write_text('{"input": "a", "origin": "scraped"}\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="production_failure"):
        Dataset.read(path)


def test_duplicates_differing_only_in_form_are_dropped() -> None:
    """Cases equal after case-folding and whitespace collapsing count once."""
    data = Dataset.from_cases(
        "d", [make_case("What is  2+2?", "4"), make_case("what is 2+2? ", "4"), make_case("x")]
    )
    assert (len(data), data.duplicates) == (2, 1)


def test_splits_select_their_cases() -> None:
    """A split keeps only the cases assigned to it."""
    data = Dataset.from_cases(
        "d", [make_case("a", split="train"), make_case("b"), make_case("c", split="train")]
    )
    assert [c.input for c in data.split("train").cases] == ["a", "c"]


@given(value=text)
def test_case_hash_ignores_case_and_spacing(value: str) -> None:
    """Upper-casing and padding an input never changes its case hash."""
    assert make_case(value).case_hash == make_case(f"  {value.upper()} ").case_hash or (
        value.upper().casefold() != value.casefold()
    )


def test_origin_is_kept() -> None:
    """A case's origin survives construction from its string value."""
    assert make_case("a", origin="review").origin is CaseOrigin.REVIEW
