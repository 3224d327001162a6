"""The end of a pytest session with evals: store its cases and scores as a run, then gate."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from surefoot.core._clock import SYSTEM_CLOCK
from surefoot.core._eval_records import EvalRunRecord
from surefoot.core.errors import SurefootError
from surefoot.evals._gate import gate
from surefoot.evals._report import print_comparison
from surefoot.evals._target import config_hash
from surefoot.store import EvalStore, Store

if TYPE_CHECKING:
    from rich.console import Console

    from surefoot.core.config import StoreSettings
    from surefoot.evals._pytest_plugin import SessionEvals

__all__ = ["record_session"]


def record_session(
    session: SessionEvals,
    settings: StoreSettings,
    gate_id: str | None,
    console: Console,
    run_id: str,
) -> None:
    """Store the session as an eval run and, with ``gate_id``, gate it against that baseline.

    Never raises: a store that cannot be reached or a missing baseline fails the session with
    the reason printed, instead of an internal error in pytest.
    """
    if not session.cases:
        console.print("surefoot evals: no test called evaluate(); nothing to store or gate")
        session.failed = gate_id is not None
        return
    try:
        with Store.open(settings) as store:
            evals = EvalStore(store.engine)
            baseline = _baseline(evals, session.suite, gate_id)
            run = _save(evals, session, run_id)
            means = ", ".join(f"{k}={v:.4f}" for k, v in _means(run).items())
            console.print(
                f"surefoot evals: run {run.run_id} of suite {session.suite!r} stored "
                f"({len(run.scores)} cases): {means}"
            )
            if gate_id is not None:
                _gate(session, baseline, run, gate_id, console)
    except SurefootError as exc:
        console.print(f"surefoot evals: {exc}")
        session.failed = True


def _baseline(evals: EvalStore, suite: str, gate_id: str | None) -> EvalRunRecord | None:
    if gate_id is None:
        return None
    if gate_id == "latest":
        # Looked up before this session's run is stored, so "latest" is the previous run.
        runs = evals.list_runs(suite, limit=1)
        return runs[0] if runs else None
    return evals.get_run(gate_id)


def _save(evals: EvalStore, session: SessionEvals, run_id: str) -> EvalRunRecord:
    now = SYSTEM_CLOCK.now_ns()
    version = evals.save_dataset(session.suite, list(session.cases.values()), now)
    # Each session's outputs are its own: the code under test has no configuration to key on.
    target = {"pytest": session.suite, "run": run_id}
    chash = config_hash(target)
    evals.write_results([dataclasses.replace(r, config_hash=chash) for r in session.results])
    run = EvalRunRecord(
        run_id=run_id,
        suite=session.suite,
        dataset=session.suite,
        dataset_version=version,
        config_hash=chash,
        config={"target": target, "lower_is_better": sorted(session.lower_is_better)},
        scores=session.scores,
        created_ns=now,
    )
    evals.save_run(run)
    return run


def _means(run: EvalRunRecord) -> dict[str, float]:
    names = sorted({m for s in run.scores.values() for m in s})
    return {
        m: sum(s[m] for s in run.scores.values() if m in s)
        / max(1, sum(m in s for s in run.scores.values()))
        for m in names
    }


def _gate(
    session: SessionEvals,
    baseline: EvalRunRecord | None,
    run: EvalRunRecord,
    gate_id: str,
    console: Console,
) -> None:
    if baseline is None:
        console.print(
            f"surefoot evals: no baseline run {gate_id!r} of suite {session.suite!r}; "
            "store one first (run the suite without --surefoot-gate) and pass its id"
        )
        session.failed = True
        return
    metrics = sorted({m for s in run.scores.values() for m in s})
    thresholds = {m: session.thresholds.get(m, 0.0) for m in metrics}
    verdict = gate(baseline, run, thresholds)
    console.print(f"surefoot gate: {baseline.run_id} -> {run.run_id}")
    print_comparison(verdict.comparison, console, verdict)
    session.failed = not verdict.passed
