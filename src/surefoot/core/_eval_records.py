"""Record types of evaluation: dataset cases, per-case results and runs.

They live in ``core`` so that the store persists them and every part can read them without
importing :mod:`surefoot.evals`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from surefoot.core._loop_records import CaseOrigin

__all__ = ["EvalCase", "EvalResult", "EvalRunRecord"]


@dataclass(frozen=True, slots=True)
class EvalCase:
    """One case of a dataset version.

    Args:
        case_hash: sha256 of the case's normalised input and expected value; its identity.
        input: what the target is called with.
        expected: the reference answer, or None when scorers need none.
        tags: free labels for slicing results.
        origin: where the case came from.
        split: the dataset split it belongs to (``"test"`` unless told).
    """

    case_hash: str
    input: Any
    expected: Any = None
    tags: tuple[str, ...] = ()
    origin: CaseOrigin = CaseOrigin.CURATED
    split: str = "test"


@dataclass(frozen=True, slots=True)
class EvalResult:
    """What one target configuration produced for one case (one sample of it).

    Args:
        case_hash: the case it answers.
        config_hash: sha256 of the target configuration (model, prompt, seed ...).
        sample: index of the repeated sample, from 0.
        output: the target's output, None when it failed.
        error: why the call failed (a timeout, a provider error), None on success.
        latency_s: wall time of the call.
        cost_usd: cost of the call, when known.
        created_ns: when the result was recorded.
    """

    case_hash: str
    config_hash: str
    sample: int
    output: Any
    error: str | None
    latency_s: float
    cost_usd: float | None
    created_ns: int


@dataclass(frozen=True, slots=True)
class EvalRunRecord:
    """A stored eval run: which dataset version met which configuration, and the scores.

    Args:
        run_id: the run's id.
        suite: the suite's name.
        dataset: the dataset's name.
        dataset_version: the dataset version evaluated.
        config_hash: the target configuration's hash.
        config: the target configuration, as JSON.
        scores: per case hash, per metric, the case's score.
        created_ns: when the run finished.
    """

    run_id: str
    suite: str
    dataset: str
    dataset_version: int
    config_hash: str
    config: dict[str, Any]
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    created_ns: int = 0
