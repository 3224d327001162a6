"""Cases exported for retraining: every field as JSON lines, or chat fine-tuning examples."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from surefoot.cli import app
from surefoot.core import Case, CaseOrigin, StoreSettings
from surefoot.review import CaseCollector, chat_example
from surefoot.review._export import write_chat_jsonl, write_jsonl
from surefoot.store import EvalStore, Store

CONVERSATION = [
    {"role": "system", "content": "You are support."},
    {"role": "user", "content": "Where is order o42?"},
]
_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)


def test_conversation_is_kept_and_answered() -> None:
    """A chat input keeps its messages and gains the expected output as the assistant reply."""
    example = chat_example(Case("c", CONVERSATION, "It ships today.", CaseOrigin.REVIEW))
    assert example == {
        "messages": [*CONVERSATION, {"role": "assistant", "content": "It ships today."}]
    }


def test_structured_values_become_json_text() -> None:
    """A dict input is the user's JSON text; a structured expected is the reply's JSON text."""
    example = chat_example(Case("c", {"q": 1}, {"a": 2}, CaseOrigin.REVIEW))
    assert example == {
        "messages": [
            {"role": "user", "content": '{"q": 1}'},
            {"role": "assistant", "content": '{"a": 2}'},
        ]
    }


def test_cases_without_expected_output_are_skipped() -> None:
    """Fine-tuning needs an answer: unanswered failures are counted as skipped."""
    cases = [
        Case("a", "q1", "a1", CaseOrigin.REVIEW),
        Case("b", "q2", None, CaseOrigin.PRODUCTION_FAILURE),
    ]
    out = io.StringIO()
    assert write_chat_jsonl(cases, out) == (1, 1)
    assert len(out.getvalue().splitlines()) == 1


@given(_json, _json)
def test_jsonl_round_trips_any_json(input: Any, expected: Any) -> None:
    """Whatever JSON a case holds, the exported line reads back to the same values."""
    out = io.StringIO()
    write_jsonl([Case("c", input, expected, CaseOrigin.REVIEW, tags=("x",))], out)
    row = json.loads(out.getvalue())
    assert (row["input"], row["expected"], row["tags"]) == (input, expected, ["x"])


def _file_store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    with Store.open(StoreSettings(url=url)) as store:
        collector = CaseCollector(store)
        collector.add(CONVERSATION, "It ships today.", origin=CaseOrigin.REVIEW)
        collector.add("a totally different question about refunds", None)
    return url


def test_cli_exports_chat_lines(tmp_path: Path) -> None:
    """``cases export --format chat`` writes only answered cases, as message lists."""
    url = _file_store(tmp_path)
    out = tmp_path / "train.jsonl"
    result = CliRunner().invoke(
        app, ["--store-url", url, "cases", "export", "--format", "chat", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    [line] = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["messages"][-1] == {"role": "assistant", "content": "It ships today."}
    assert "1 without expected skipped" in result.output


def test_cli_refuses_an_unknown_format(tmp_path: Path) -> None:
    """An unknown export format exits 1 naming the formats there are."""
    url = _file_store(tmp_path)
    result = CliRunner().invoke(app, ["--store-url", url, "cases", "export", "--format", "xml"])
    assert result.exit_code == 1 and "jsonl, chat or parquet" in result.output


def test_promote_into_a_dataset_versions_it_once(tmp_path: Path) -> None:
    """Promoting into a dataset adds the cases as a new version; repeating adds nothing."""
    url = _file_store(tmp_path)
    with Store.open(StoreSettings(url=url)) as store:
        ids = [c.case_id for c in CaseCollector(store).cases()]
    runner = CliRunner()
    for _ in range(2):
        args = ["--store-url", url, "cases", "promote", *ids, "--into", "support"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    assert "support@1: 2 cases (0 added)" in result.output
    with Store.open(StoreSettings(url=url)) as store:
        loaded = EvalStore(store.engine).load_dataset("support")
    assert loaded is not None and loaded[1][0].input == CONVERSATION
