"""Evaluation before every change: datasets, scorers, a cached runner, and a regression gate.

* :class:`Dataset` reads and writes JSONL, CSV and Parquet cases, content-hashed and
  de-duplicated.
* Scorers are plain functions ``(output, expected) -> float``; built-ins cover exact and
  normalised match, contains, regex, JSON validity and schema, numeric tolerance, latency and
  cost, and :class:`ModelJudge` grades with a pinned judge model.
* :class:`Runner` calls a target per case with bounded concurrency, caches results in the store
  and traces every case.
* :func:`load_suite`, :func:`compare_runs` and :func:`gate` are what ``surefoot eval`` runs;
  :func:`human_grades` reads reviewers' grades of sampled outputs back.
* The ``evaluate`` pytest fixture (a ``pytest11`` plugin) records eval cases written as tests.
"""

from surefoot.evals._dataset import Dataset, case_hash, make_case, normalise
from surefoot.evals._export import export_results, result_rows
from surefoot.evals._gate import (
    Comparison,
    GateVerdict,
    compare_runs,
    compare_scores,
    gate,
    run_suite,
)
from surefoot.evals._human import (
    HUMAN_METRIC,
    HumanComparison,
    HumanGrades,
    compare_human,
    human_grades,
)
from surefoot.evals._judge import JudgeVerdict, ModelJudge
from surefoot.evals._judging import output_hash
from surefoot.evals._loop import promoted_cases, sample_for_review
from surefoot.evals._metrics import (
    accuracy,
    expected_calibration_error,
    f1_score,
    mrr,
    ndcg_at_k,
    precision,
    precision_at_k,
    recall,
    recall_at_k,
    roc_auc,
)
from surefoot.evals._report import html_report, print_comparison, print_outcome, run_details
from surefoot.evals._runner import Runner, RunOutcome
from surefoot.evals._scorers import (
    Contains,
    CostUsd,
    JsonSchema,
    LatencyS,
    NumericTolerance,
    Regex,
    ResultMetric,
    Scorer,
    exact_match,
    json_valid,
    normalised_match,
)
from surefoot.evals._similarity import Embedder, EmbeddingSimilarity, ProviderEmbedder
from surefoot.evals._stats import (
    PairedComparison,
    holm_adjust,
    paired_bootstrap,
    paired_compare,
    sign_flip_test,
)
from surefoot.evals._suite import MetricSpec, Suite, load_suite
from surefoot.evals._target import (
    CallableTarget,
    GuardTarget,
    ProviderTarget,
    Target,
    TargetOutput,
    config_hash,
    url_target,
)

__all__ = [
    "HUMAN_METRIC",
    "CallableTarget",
    "Comparison",
    "Contains",
    "CostUsd",
    "Dataset",
    "Embedder",
    "EmbeddingSimilarity",
    "GateVerdict",
    "GuardTarget",
    "HumanComparison",
    "HumanGrades",
    "JsonSchema",
    "JudgeVerdict",
    "LatencyS",
    "MetricSpec",
    "ModelJudge",
    "NumericTolerance",
    "PairedComparison",
    "ProviderEmbedder",
    "ProviderTarget",
    "Regex",
    "ResultMetric",
    "RunOutcome",
    "Runner",
    "Scorer",
    "Suite",
    "Target",
    "TargetOutput",
    "accuracy",
    "case_hash",
    "compare_human",
    "compare_runs",
    "compare_scores",
    "config_hash",
    "exact_match",
    "expected_calibration_error",
    "export_results",
    "f1_score",
    "gate",
    "holm_adjust",
    "html_report",
    "human_grades",
    "json_valid",
    "load_suite",
    "make_case",
    "mrr",
    "ndcg_at_k",
    "normalise",
    "normalised_match",
    "output_hash",
    "paired_bootstrap",
    "paired_compare",
    "precision",
    "precision_at_k",
    "print_comparison",
    "print_outcome",
    "promoted_cases",
    "recall",
    "recall_at_k",
    "result_rows",
    "roc_auc",
    "run_details",
    "run_suite",
    "sample_for_review",
    "sign_flip_test",
    "url_target",
]
