"""Statistical acceptance of the gate, over many simulated pairs of runs.

Each simulated dataset has 500 cases with per-case difficulty q ~ Beta(4, 2) (mean accuracy
0.67). Baseline and candidate answer every case independently (Bernoulli). The threshold is
0.02 (two points of accuracy). A candidate whose accuracy is truly 0.10 lower on every case
must be blocked in at least 80 % of 200 runs; a candidate drawn from the same distribution as
the baseline must pass in at least 95 % of them. Pure numpy, seeded.
"""

from __future__ import annotations

import numpy as np

from surefoot.core import EvalRunRecord
from surefoot.evals import gate

CASES, RUNS, THRESHOLD, MARGIN = 500, 200, 0.02, 0.10


def _run(run_id: str, hits: np.ndarray) -> EvalRunRecord:
    scores = {f"c{i}": {"accuracy": float(h)} for i, h in enumerate(hits)}
    return EvalRunRecord(run_id, "sim", "sim", 1, "x" * 64, {}, scores)


def _blocked_share(margin: float, seed: int) -> float:
    rng = np.random.default_rng(seed)
    blocked = 0
    for sim in range(RUNS):
        q = rng.beta(4, 2, CASES)
        base = rng.random(CASES) < q
        cand = rng.random(CASES) < np.clip(q - margin, 0, 1)
        verdict = gate(
            _run("a", base), _run("b", cand), {"accuracy": THRESHOLD}, seed=sim, resamples=500
        )
        blocked += not verdict.passed
    return blocked / RUNS


def test_true_regression_is_blocked_with_power() -> None:
    """A true drop of 0.10 in accuracy is blocked in at least 80 % of simulated runs."""
    assert _blocked_share(MARGIN, seed=1) >= 0.80


def test_noise_passes_at_low_false_alarm_rate() -> None:
    """A candidate that differs only by noise is blocked in at most 5 % of simulated runs."""
    assert _blocked_share(0.0, seed=2) <= 0.05
