"""Stored runs export their results as Parquet or JSONL; datasets move through Parquet by CLI."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from surefoot.cli import app
from surefoot.core import FakeClock, InvalidInput, StoreSettings
from surefoot.evals import (
    CallableTarget,
    Dataset,
    Runner,
    exact_match,
    export_results,
    make_case,
    sample_for_review,
)
from surefoot.review import ReviewQueue
from surefoot.store import EvalStore, Store

_CHAT = [{"role": "user", "content": "Refund?"}]


def _stored(store: Store) -> tuple[EvalStore, str]:
    evals = EvalStore(store.engine)
    data = Dataset.from_cases(
        "mixed", [make_case(_CHAT, "No."), make_case({"q": "2+2"}, "4"), make_case("hi", "hi")]
    )
    version = evals.save_dataset(data.name, data.cases, 1)

    def answer(x: object) -> object:
        return "No." if isinstance(x, list) else {"answer": 4} if isinstance(x, dict) else x

    outcome = Runner(evals, clock=FakeClock()).run(
        data, CallableTarget(answer, {"v": 1}), {"exact": exact_match}
    )
    run = dataclasses.replace(outcome.run, dataset_version=version)
    evals.save_run(run)
    sample_for_review(outcome, Dataset.from_cases("m", data.cases[:1]), evals, rate=1.0)
    queue = ReviewQueue(store, clock=FakeClock())
    item = queue.claim("ann")
    assert item is not None
    queue.approve(item.item_id, "ann")
    return evals, run.run_id


def test_parquet_results_keep_nested_values_scores_and_grades(store: Store, tmp_path: Path) -> None:
    """Every result row keeps its input and output shape, its scores and its human grade."""
    evals, run_id = _stored(store)
    run = evals.get_run(run_id)
    assert run is not None
    assert export_results(evals, run, tmp_path / "r.parquet") == 3
    rows = {
        json.dumps(json.loads(r["input"])): r
        for r in pq.read_table(tmp_path / "r.parquet").to_pylist()
    }
    chat = rows[json.dumps(_CHAT)]
    assert (json.loads(chat["output"]), chat["score.exact"], chat["human"]) == ("No.", 1.0, 1.0)
    nested = rows[json.dumps({"q": "2+2"})]
    assert (json.loads(nested["output"]), nested["score.exact"], nested["human"]) == (
        {"answer": 4},
        0.0,
        None,
    )


def test_jsonl_results_and_unknown_suffix(store: Store, tmp_path: Path) -> None:
    """JSONL carries the same rows; any other suffix is refused with the supported ones."""
    evals, run_id = _stored(store)
    run = evals.get_run(run_id)
    assert run is not None
    export_results(evals, run, tmp_path / "r.jsonl")
    lines = (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and {"score.exact", "human"} <= json.loads(lines[0]).keys()
    with pytest.raises(InvalidInput, match=r"use \.parquet or \.jsonl"):
        export_results(evals, run, tmp_path / "r.xlsx")


def test_cli_moves_datasets_and_results_through_parquet(tmp_path: Path) -> None:
    """import, export and export-results accept Parquet files from the shell."""
    url = f"sqlite:///{tmp_path / 'sf.db'}"
    Dataset.from_cases("qa", [make_case(_CHAT, "No."), make_case("a", "b")]).write(
        tmp_path / "qa.parquet"
    )
    cli = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})
    imported = cli.invoke(app, ["--store-url", url, "eval", "import", str(tmp_path / "qa.parquet")])
    assert imported.exit_code == 0 and "qa@1: 2 cases" in imported.output
    out = tmp_path / "back.parquet"
    exported = cli.invoke(app, ["--store-url", url, "eval", "export", "qa", str(out)])
    assert exported.exit_code == 0, exported.output
    assert Dataset.read(out).cases == Dataset.read(tmp_path / "qa.parquet").cases
    with Store.open(StoreSettings(url=url)) as store:
        _, run_id = _stored(store)
    results = cli.invoke(
        app, ["--store-url", url, "eval", "export-results", run_id, str(tmp_path / "r.parquet")]
    )
    assert results.exit_code == 0 and "3 results written" in results.output
    missing = cli.invoke(app, ["--store-url", url, "eval", "export-results", "nope", "x.parquet"])
    assert missing.exit_code != 0 and "surefoot eval runs" in missing.output
