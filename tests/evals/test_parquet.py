"""Datasets read from and written to Parquet, including nested inputs and foreign files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.evals.strategies import json_values, origins, tags

from surefoot.core import CaseOrigin, ConfigError, InvalidInput
from surefoot.evals import Dataset, make_case

_MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Refund?", "name": "ann"},
]


@settings(max_examples=30, deadline=None)
@given(
    cases=st.lists(
        st.tuples(json_values.filter(lambda v: v not in (None, "")), json_values, tags, origins),
        max_size=5,
    )
)
def test_parquet_round_trips(
    tmp_path_factory: pytest.TempPathFactory, cases: list[tuple[Any, Any, list[str], CaseOrigin]]
) -> None:
    """Whatever cases are written to Parquet read back identical, in order."""
    data = Dataset.from_cases("d", [make_case(i, e, tags=t, origin=o) for i, e, t, o in cases])
    path = tmp_path_factory.mktemp("pq") / "d.parquet"
    data.write(path)
    assert Dataset.read(path).cases == data.cases


def test_message_lists_and_dicts_round_trip(tmp_path: Path) -> None:
    """Chat-message inputs, dict inputs and string inputs share one file and come back as given."""
    data = Dataset.from_cases(
        "chat",
        [
            make_case(_MESSAGES, "No.", tags=["esc"], origin="production_failure", split="hard"),
            make_case({"question": "2+2", "ctx": [1, 2]}, {"answer": 4}),
            make_case("plain", None),
        ],
    )
    data.write(tmp_path / "chat.parquet")
    back = Dataset.read(tmp_path / "chat.parquet")
    assert back.cases == data.cases
    assert back.cases[0].input == _MESSAGES and back.cases[2].expected is None


def test_foreign_parquet_reads_arrow_types(tmp_path: Path) -> None:
    """A file written by other tools reads strings as text and structs and lists natively."""
    table = pa.table(
        {
            "input": [{"q": "2+2"}, {"q": "3+3"}],
            "expected": ["4", "6"],
            "tags": [["math"], None],
        }
    )
    pq.write_table(table, tmp_path / "ext.parquet")
    data = Dataset.read(tmp_path / "ext.parquet")
    assert [(c.input, c.expected, c.tags) for c in data.cases] == [
        ({"q": "2+2"}, "4", ("math",)),
        ({"q": "3+3"}, "6", ()),
    ]


def test_bad_json_cell_names_file_row_and_field(tmp_path: Path) -> None:
    """A malformed JSON cell in a surefoot-written file is reported by file, row and field."""
    Dataset.from_cases("d", [make_case("a"), make_case("b")]).write(tmp_path / "d.parquet")
    table = pq.read_table(tmp_path / "d.parquet")
    broken = table.set_column(1, "expected", pa.array([None, "{oops"], pa.string()))
    pq.write_table(broken, tmp_path / "bad.parquet")
    with pytest.raises(InvalidInput, match=r"bad\.parquet: row 2: field 'expected'"):
        Dataset.read(tmp_path / "bad.parquet")


def test_bad_origin_names_row_and_field(tmp_path: Path) -> None:
    """An unknown origin is reported with the row number and the allowed values."""
    pq.write_table(
        pa.table({"input": ["a", "b"], "origin": ["curated", "web"]}), tmp_path / "o.parquet"
    )
    with pytest.raises(InvalidInput, match=r"o\.parquet: row 2: field 'origin' is 'web'"):
        Dataset.read(tmp_path / "o.parquet")


def test_missing_input_column_is_named(tmp_path: Path) -> None:
    """A file without an input column is refused, naming the column."""
    pq.write_table(pa.table({"question": ["a"]}), tmp_path / "q.parquet")
    with pytest.raises(InvalidInput, match="column 'input' is missing"):
        Dataset.read(tmp_path / "q.parquet")


def test_not_parquet_is_refused(tmp_path: Path) -> None:
    """A file with a .parquet suffix that is not Parquet is refused with the file named."""
    (tmp_path / "x.parquet").write_text("input\na\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"x\.parquet: not a readable Parquet file"):
        Dataset.read(tmp_path / "x.parquet")


def test_missing_pyarrow_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without pyarrow, Parquet fails with a ConfigError naming the extra to install."""
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ConfigError, match=r"surefoot\[parquet\]"):
        Dataset.from_cases("d", [make_case("a")]).write(tmp_path / "d.parquet")
