"""Cases exported as Parquet read back with pyarrow, nested inputs as JSON text."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from surefoot.cli import app
from surefoot.core import Case, CaseOrigin, StoreSettings
from surefoot.review import CaseCollector
from surefoot.review._export import write_parquet
from surefoot.store import Store

# Imported by name: pyarrow is an optional extra and ships no complete type stubs.
pq: Any = importlib.import_module("pyarrow.parquet")

CONVERSATION = [
    {"role": "user", "content": "Where is order o42?"},
    {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function"}]},
]


def test_parquet_round_trips_nested_inputs(tmp_path: Path) -> None:
    """Message lists, dicts and strings come back equal after json.loads of their columns."""
    cases = [
        Case("a", CONVERSATION, "It ships today.", CaseOrigin.REVIEW, tags=("chat",)),
        Case("b", {"q": [1, 2]}, None, CaseOrigin.PRODUCTION_FAILURE),
        Case("c", "plain", {"label": "spam"}, CaseOrigin.CURATED, trace_id="f" * 32),
    ]
    path = tmp_path / "cases.parquet"
    assert write_parquet(cases, path) == 3
    rows = pq.read_table(path).to_pylist()
    assert [json.loads(r["input"]) for r in rows] == [c.input for c in cases]
    assert [None if r["expected"] is None else json.loads(r["expected"]) for r in rows] == [
        c.expected for c in cases
    ]
    assert [r["tags"] for r in rows] == [["chat"], [], []]
    assert rows[2]["trace_id"] == "f" * 32


def test_cli_writes_parquet(tmp_path: Path) -> None:
    """``cases export --format parquet --out`` writes one row per case."""
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    with Store.open(StoreSettings(url=url)) as store:
        CaseCollector(store).add(CONVERSATION, "It ships today.", origin=CaseOrigin.REVIEW)
    out = tmp_path / "cases.parquet"
    args = ["--store-url", url, "cases", "export", "--format", "parquet", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).num_rows == 1


def test_cli_parquet_needs_a_file(tmp_path: Path) -> None:
    """Parquet to stdout is refused with the fix."""
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    result = CliRunner().invoke(app, ["--store-url", url, "cases", "export", "--format", "parquet"])
    assert result.exit_code == 1 and "--out" in result.output
