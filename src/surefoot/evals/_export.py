"""A stored run's results as a table: one row per case and sample, for notebooks and lakes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from surefoot.core.errors import InvalidInput
from surefoot.evals._human import human_grades
from surefoot.evals._parquet import write_parquet_rows

if TYPE_CHECKING:
    from surefoot.core._eval_records import EvalRunRecord
    from surefoot.store import EvalStore

__all__ = ["export_results", "result_rows"]

# Columns before the per-metric ones; input, expected and output vary in shape (JSON text).
_BASE_TYPES = {
    "run_id": "str",
    "case_hash": "str",
    "sample": "int",
    "split": "str",
    "input": "json",
    "expected": "json",
    "output": "json",
    "error": "str",
    "latency_s": "float",
    "cost_usd": "float",
}


def result_rows(store: EvalStore, run: EvalRunRecord) -> tuple[list[dict[str, Any]], list[str]]:
    """The run's results, one row per case and sample, with each metric's case score and the
    human grade (None where no reviewer graded the output); also the metric names, sorted.
    """
    loaded = store.load_dataset(run.dataset, run.dataset_version)
    cases = {c.case_hash: c for c in loaded[1]} if loaded else {}
    results = sorted(
        store.cached_results(run.config_hash, run.scores), key=lambda r: (r.case_hash, r.sample)
    )
    metrics = sorted({m for s in run.scores.values() for m in s})
    human = human_grades(store, run).grades
    rows = []
    for r in results:
        case = cases.get(r.case_hash)
        scores = run.scores.get(r.case_hash, {})
        rows.append(
            {
                "run_id": run.run_id,
                "case_hash": r.case_hash,
                "sample": r.sample,
                "split": case.split if case else None,
                "input": case.input if case else None,
                "expected": case.expected if case else None,
                "output": r.output,
                "error": r.error,
                "latency_s": r.latency_s,
                "cost_usd": r.cost_usd,
                **{f"score.{m}": scores.get(m) for m in metrics},
                "human": human.get(r.case_hash),
            }
        )
    return rows, metrics


def export_results(store: EvalStore, run: EvalRunRecord, path: str | Path) -> int:
    """Write the run's results to ``.parquet`` or ``.jsonl``; returns the number of rows.

    Parquet keeps input, expected and output as JSON text (their shapes vary per case) and has
    one float column ``score.<metric>`` per metric and ``human`` for reviewers' grades.

    Raises:
        InvalidInput: an unsupported suffix.
        ConfigError: Parquet, and pyarrow is not installed.
    """
    path = Path(path)
    rows, metrics = result_rows(store, run)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        types = {**_BASE_TYPES, **{f"score.{m}": "float" for m in metrics}, "human": "float"}
        write_parquet_rows(path, rows, types)
    elif suffix == ".jsonl":
        text = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)
        path.write_text(text, encoding="utf-8")
    else:
        raise InvalidInput(f"{path}: unsupported results format; use .parquet or .jsonl")
    return len(rows)
