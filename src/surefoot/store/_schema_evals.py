"""Tables of evaluation: dataset versions, their cases, cached results and runs
(migration ``0005_evals``), cached judge grades and links to human grades (``0008_evals_cache``),
on the store's one ``MetaData``."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Double, Index, Integer, String, Table, Text

from surefoot.store._schema import SHORT, JSONDocument, metadata

__all__ = [
    "eval_cases",
    "eval_datasets",
    "eval_judge_grades",
    "eval_results",
    "eval_review_samples",
    "eval_runs",
]

HASH = String(64)
NAME = String(255)

eval_datasets = Table(
    "eval_datasets",
    metadata,
    Column("name", NAME, primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    # Hash of the ordered case hashes: importing the same content twice reuses the version.
    Column("content_hash", HASH, nullable=False),
    Column("case_count", Integer, nullable=False),
    Column("created_ns", BigInteger, nullable=False),
    Index(None, "name", "content_hash"),
)

eval_cases = Table(
    "eval_cases",
    metadata,
    Column("name", NAME, primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("case_hash", HASH, nullable=False),
    Column("input", JSONDocument, nullable=True),
    Column("expected", JSONDocument, nullable=True),
    Column("tags", JSONDocument, nullable=True),
    Column("origin", SHORT, nullable=False),
    Column("split", SHORT, nullable=False),
)

# The result cache: one row per (case, configuration, sample), written once, so a re-run of
# the same configuration only calls the target for cases it has not answered yet.
eval_results = Table(
    "eval_results",
    metadata,
    Column("case_hash", HASH, primary_key=True),
    Column("config_hash", HASH, primary_key=True),
    Column("sample", Integer, primary_key=True, autoincrement=False),
    Column("output", JSONDocument, nullable=True),
    Column("error", Text, nullable=True),
    Column("latency_s", Double, nullable=False),
    Column("cost_usd", Double, nullable=True),
    Column("created_ns", BigInteger, nullable=False),
    # Cache look-ups of a large run read one configuration's rows (migration 0008).
    Index(None, "config_hash"),
)

eval_runs = Table(
    "eval_runs",
    metadata,
    Column("run_id", SHORT, primary_key=True),
    Column("suite", NAME, nullable=False),
    Column("dataset", NAME, nullable=False),
    Column("dataset_version", Integer, nullable=False),
    Column("config_hash", HASH, nullable=False),
    Column("config", JSONDocument, nullable=True),
    Column("scores", JSONDocument, nullable=True),
    Column("created_ns", BigInteger, nullable=False),
    Index(None, "suite", "created_ns"),
)

# Judge grades (migration ``0008_evals_cache``): one row per (judge configuration, case, output,
# judge run), so a re-run never asks the judge again about an output it already graded, while
# each of the judge's repeated runs stays its own sample.
eval_judge_grades = Table(
    "eval_judge_grades",
    metadata,
    Column("judge_hash", HASH, primary_key=True),
    Column("case_hash", HASH, primary_key=True),
    Column("output_hash", HASH, primary_key=True),
    Column("run", Integer, primary_key=True, autoincrement=False),
    Column("score", Double, nullable=False),
    Column("reason", Text, nullable=True),
    Column("created_ns", BigInteger, nullable=False),
)

# Which review item graded which eval output: the reviewer's decision lives in review_items,
# this row links it back to the (case, configuration) whose output was shown.
eval_review_samples = Table(
    "eval_review_samples",
    metadata,
    Column("item_id", SHORT, primary_key=True),
    Column("run_id", SHORT, nullable=False),
    Column("case_hash", HASH, nullable=False),
    Column("config_hash", HASH, nullable=False),
    Index(None, "config_hash"),
)
