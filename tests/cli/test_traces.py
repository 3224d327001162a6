"""``surefoot traces list`` and ``surefoot traces show``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from surefoot.cli import app
from surefoot.core import (
    ErrorInfo,
    Settings,
    SpanKind,
    SpanRecord,
    SpanStatus,
    new_span_id,
    new_trace_id,
)
from surefoot.core import semconv as sc
from surefoot.store import Store

PROMPT = [
    {"role": "system", "content": "Answer from the sources."},
    {"role": "user", "content": "hi"},
]


def _trace(store: Store, *, name: str, failed: bool, start_ns: int) -> str:
    trace_id, root_id = new_trace_id(), new_span_id()
    llm = SpanRecord(
        trace_id=trace_id,
        span_id=new_span_id(),
        parent_id=root_id,
        name="chat demo-model",
        kind=SpanKind.LLM,
        start_ns=start_ns + 1_000,
        end_ns=start_ns + 5_000_000,
        status=SpanStatus.ERROR if failed else SpanStatus.OK,
        attributes={
            sc.GEN_AI_REQUEST_MODEL: "demo-model-2026-01-01",
            sc.GEN_AI_RESPONSE_MODEL: "demo-model-2026-01-01",
            sc.GEN_AI_USAGE_INPUT_TOKENS: 12,
            sc.GEN_AI_USAGE_OUTPUT_TOKENS: 3,
            sc.SF_COST_USD: 0.00042,
        },
        input=PROMPT,
        output=None if failed else "hello there",
        error=ErrorInfo("ProviderTimeout", "no answer in 2.0 s") if failed else None,
    )
    root = SpanRecord(
        trace_id=trace_id,
        span_id=root_id,
        name=name,
        kind=SpanKind.REQUEST,
        start_ns=start_ns,
        end_ns=start_ns + 6_000_000,
        status=SpanStatus.ERROR if failed else SpanStatus.OK,
        input={"question": "hi"},
    )
    store.write_spans([llm, root])
    return trace_id


@pytest.fixture(name="traces")
def _traces() -> dict[str, str]:
    """Two traces in the default store: one good, one failed."""
    with Store.open(Settings.load().store) as store:
        return {
            "good": _trace(store, name="support.answer", failed=False, start_ns=10**18),
            "bad": _trace(store, name="support.escalate", failed=True, start_ns=10**18 + 10**9),
        }


def test_list_shows_newest_first(runner: CliRunner, traces: dict[str, str]) -> None:
    """Listing returns every trace, the newest first, with its totals."""
    result = runner.invoke(app, ["traces", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["trace_id"] for r in rows] == [traces["bad"], traces["good"]]
    assert rows[1]["input_tokens"] == 12
    assert rows[1]["cost_usd"] == pytest.approx(0.00042)


def test_list_filters_by_status(runner: CliRunner, traces: dict[str, str]) -> None:
    """--status error keeps only failed traces."""
    result = runner.invoke(app, ["traces", "list", "--status", "error", "--json"])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["trace_id"] for r in rows] == [traces["bad"]]


def test_list_searches_text(runner: CliRunner, traces: dict[str, str]) -> None:
    """--search matches the root span's name case-insensitively."""
    result = runner.invoke(app, ["traces", "list", "--search", "ESCALATE", "--json"])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["trace_id"] for r in rows] == [traces["bad"]]


def test_the_table_prints_names_and_cheap_costs_as_they_are(runner: CliRunner) -> None:
    """A name with square brackets is not console markup, and a call costing $0.00042 does
    not round to nothing."""
    with Store.open(Settings.load().store) as store:
        _trace(store, name="answer [refund] question", failed=False, start_ns=10**18)
    result = runner.invoke(app, ["traces", "list"])
    assert result.exit_code == 0, result.output
    assert "answer [refund] question" in result.output
    assert "0.000420" in result.output


def test_list_rejects_a_bad_time(runner: CliRunner, traces: dict[str, str]) -> None:
    """An unparseable --since is refused with an example of what works."""
    result = runner.invoke(app, ["traces", "list", "--since", "yesterday-ish"])
    assert result.exit_code != 0
    assert "2h" in str(result.exception)


def test_show_renders_tree_with_prompt_and_error(runner: CliRunner, traces: dict[str, str]) -> None:
    """The tree shows the full prompt, the pinned and served model, tokens and the error."""
    result = runner.invoke(app, ["traces", "show", traces["bad"]])
    assert result.exit_code == 0, result.output
    for expected in [
        "support.escalate",
        "Answer from the sources.",
        "pinned=demo-model-2026-01-01",
        "tokens in=12 out=3",
        "ProviderTimeout: no answer in 2.0 s",
    ]:
        assert expected in result.output


def test_show_json_round_trips_spans(runner: CliRunner, traces: dict[str, str]) -> None:
    """--json prints every span of the trace with its attributes."""
    result = runner.invoke(app, ["traces", "show", traces["good"], "--json"])
    spans = json.loads(result.output)
    assert {s["kind"] for s in spans} == {"request", "llm"}


def test_show_unknown_trace_is_a_clear_error(runner: CliRunner, traces: dict[str, str]) -> None:
    """An id that is not in the store raises InvalidInput pointing at `traces list`."""
    result = runner.invoke(app, ["traces", "show", "0" * 31 + "1"])
    assert result.exit_code != 0
    assert "surefoot traces list" in str(result.exception)
