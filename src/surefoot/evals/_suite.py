"""Suites: a TOML file naming a dataset, a target, metrics and a regression threshold each."""

from __future__ import annotations

import importlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from surefoot.core.errors import InvalidInput
from surefoot.evals._judge import ModelJudge
from surefoot.evals._metrics import mrr, ndcg_at_k, precision_at_k, recall_at_k
from surefoot.evals._scorers import (
    Contains,
    CostUsd,
    JsonSchema,
    LatencyS,
    NumericTolerance,
    Regex,
    ResultMetric,
    exact_match,
    json_valid,
    normalised_match,
)
from surefoot.evals._similarity import EmbeddingSimilarity, ProviderEmbedder
from surefoot.evals._target import CallableTarget, Target, url_target
from surefoot.providers import OpenAICompatibleProvider

if TYPE_CHECKING:
    from collections.abc import Callable

    from surefoot.evals._runner import Metric

__all__ = ["MetricSpec", "Suite", "load_suite", "resolve_scorer"]

_FACTORIES: dict[str, Callable[[dict[str, Any]], Metric]] = {
    "exact_match": lambda p: exact_match,
    "normalised_match": lambda p: normalised_match,
    "contains": lambda p: Contains(bool(p.get("case_sensitive", False))),
    "regex": lambda p: Regex(str(p["pattern"])),
    "json_valid": lambda p: json_valid,
    "json_schema": lambda p: JsonSchema(dict(p["schema"])),
    "numeric": lambda p: NumericTolerance(
        float(p.get("abs_tol", 0.0)), float(p.get("rel_tol", 1e-9))
    ),
    "precision_at_k": lambda p: lambda o, e: precision_at_k(o or [], e or [], int(p["k"])),
    "recall_at_k": lambda p: lambda o, e: recall_at_k(o or [], e or [], int(p["k"])),
    "mrr": lambda p: lambda o, e: mrr(o or [], e or []),
    "ndcg": lambda p: lambda o, e: ndcg_at_k(o or [], e or [], int(p["k"])),
    "latency_s": lambda p: LatencyS(),
    "cost_usd": lambda p: CostUsd(),
}
_SUITE_KEYS = {
    "name",
    "dataset",
    "split",
    "concurrency",
    "timeout_s",
    "samples",
    "seed",
    "target",
    "metrics",
}


@dataclass(frozen=True)
class MetricSpec:
    """One metric of a suite.

    Args:
        name: the metric's name in runs and reports.
        scorer: what computes it per case.
        threshold: the largest drop of its mean the gate tolerates (in the metric's units).
        higher_is_better: False for latency and cost.
    """

    name: str
    scorer: Metric
    threshold: float
    higher_is_better: bool = True


@dataclass(frozen=True)
class Suite:
    """A parsed suite file (the format is in ``docs/evals.md``).

    Args:
        name: the suite's name; runs are listed under it.
        path: the suite file.
        dataset: the dataset file, resolved against the suite's folder.
        target: the ``[target]`` table: ``url`` and ``model`` (plus prompts), or ``callable``.
        metrics: the metrics with their thresholds.
        concurrency: at most this many calls at once.
        timeout_s: per-call timeout.
        samples: how many times each case is asked.
        seed: sampling seed sent to the model (part of the cached configuration).
        split: run only this split of the dataset; None runs every case.
    """

    name: str
    path: Path
    dataset: Path
    target: dict[str, Any]
    metrics: tuple[MetricSpec, ...]
    concurrency: int = 8
    timeout_s: float = 30.0
    samples: int = 1
    seed: int = 0
    split: str | None = None

    def build_target(self) -> Target:
        """The target the ``[target]`` table describes: a ``url`` or a ``callable``."""
        spec = dict(self.target)
        if "callable" in spec:
            fn = _import(str(spec.pop("callable")), self.path, "target.callable")
            return CallableTarget(fn, config={"callable": self.target["callable"], **spec})
        url, model = spec.pop("url", None), spec.pop("model", None)
        if not url or not model:
            raise InvalidInput(f"{self.path}: [target] needs 'url' and 'model', or 'callable'")
        spec.setdefault("seed", self.seed)
        return url_target(str(url), str(model), **spec)

    @property
    def scorers(self) -> dict[str, Metric]:
        """The metrics by name, as the runner takes them."""
        return {m.name: m.scorer for m in self.metrics}


def _import(ref: str, path: Path, key: str) -> Any:
    module, _, attr = ref.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise InvalidInput(
            f"{path}: {key} = {ref!r} cannot be imported ({exc}); use 'module:name'"
        ) from exc


def resolve_scorer(ref: str, params: dict[str, Any] | None = None) -> Metric:
    """A scorer by its suite name (``exact_match``, ``contains`` ...) or ``module:function``.

    Raises:
        InvalidInput: an unknown name, an import that fails, or a missing parameter.
    """
    if ":" in ref:
        imported: Metric = _import(ref, Path("<scorer>"), "scorer")
        return imported
    if ref not in _FACTORIES:
        known = ", ".join(sorted(_FACTORIES))
        raise InvalidInput(f"unknown scorer {ref!r}; use one of {known} or 'module:function'")
    try:
        return _FACTORIES[ref](dict(params or {}))
    except KeyError as exc:
        raise InvalidInput(
            f"scorer {ref!r} needs parameter {exc.args[0]!r}; pass the scorer object instead"
        ) from exc


def _judge(where: str, params: dict[str, Any], target: dict[str, Any]) -> ModelJudge:
    missing = [k for k in ("model", "rubric") if k not in params]
    url = params.get("url", target.get("url"))
    if missing or not url:
        need = ", ".join([*missing, *([] if url else ["url"])])
        raise InvalidInput(f"{where}: a judge needs {need}; set them in the metric's table")
    provider = OpenAICompatibleProvider(str(url), name="eval-judge")
    runs = int(params.get("runs", 3))
    return ModelJudge(provider, str(params["model"]), str(params["rubric"]), runs=runs)


def _similarity(where: str, params: dict[str, Any], target: dict[str, Any]) -> EmbeddingSimilarity:
    url = params.get("url", target.get("url"))
    if "model" not in params or not url:
        need = ", ".join([*(["model"] if "model" not in params else []), *([] if url else ["url"])])
        raise InvalidInput(f"{where}: embedding similarity needs {need}; set them in its table")
    provider = OpenAICompatibleProvider(str(url), name="eval-embeddings")
    return EmbeddingSimilarity(ProviderEmbedder(provider, str(params["model"])))


def _metric(path: Path, name: str, table: Any, target: dict[str, Any]) -> MetricSpec:
    where = f"{path}: metrics.{name}"
    if not isinstance(table, dict) or "threshold" not in table:
        raise InvalidInput(f"{where} needs a table with a 'threshold' (the tolerated drop)")
    params = dict(table)
    threshold = float(params.pop("threshold"))
    kind = str(params.pop("scorer", name))
    if kind == "judge":
        return MetricSpec(name, _judge(where, params, target), threshold)
    if kind == "embedding_similarity":
        return MetricSpec(name, _similarity(where, params, target), threshold)
    if ":" in kind:
        return MetricSpec(name, _import(kind, path, f"metrics.{name}.scorer"), threshold)
    if kind not in _FACTORIES:
        known = ", ".join(sorted([*_FACTORIES, "judge", "embedding_similarity"]))
        raise InvalidInput(
            f"{where}: unknown metric {kind!r}; use one of {known} or 'module:function'"
        )
    try:
        scorer = _FACTORIES[kind](params)
    except KeyError as exc:
        raise InvalidInput(f"{where}: missing parameter {exc.args[0]!r}") from exc
    return MetricSpec(name, scorer, threshold, not isinstance(scorer, ResultMetric))


def load_suite(path: str | Path) -> Suite:
    """Parse a suite file.

    Raises:
        InvalidInput: naming the file and the field at fault (unknown metric, missing dataset ...).
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInput(f"{path}: no such suite file; check the path") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{path}: not valid TOML ({exc}); fix the file") from exc
    unknown = set(data) - _SUITE_KEYS
    if unknown:
        raise InvalidInput(f"{path}: unknown field(s) {', '.join(sorted(unknown))}; remove them")
    if "dataset" not in data:
        raise InvalidInput(f"{path}: field 'dataset' is missing; name a .jsonl or .csv file")
    dataset = (path.parent / str(data["dataset"])).resolve()
    if not dataset.is_file():
        raise InvalidInput(f"{path}: field 'dataset' points at {dataset}, which does not exist")
    target = data.get("target")
    if not isinstance(target, dict):
        raise InvalidInput(f"{path}: a [target] table is missing")
    metrics = data.get("metrics")
    if not isinstance(metrics, dict) or not metrics:
        raise InvalidInput(f"{path}: a [metrics] table with at least one metric is missing")
    return Suite(
        name=str(data.get("name", path.stem)),
        path=path,
        dataset=dataset,
        target=target,
        metrics=tuple(_metric(path, n, t, target) for n, t in metrics.items()),
        concurrency=int(data.get("concurrency", 8)),
        timeout_s=float(data.get("timeout_s", 30.0)),
        samples=int(data.get("samples", 1)),
        seed=int(data.get("seed", 0)),
        split=str(data["split"]) if "split" in data else None,
    )
