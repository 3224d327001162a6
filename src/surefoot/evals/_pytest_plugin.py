"""Eval cases written as pytest tests: the ``evaluate`` fixture, the stored run and the gate.

The hooks pytest loads live in the import-light ``_surefoot_pytestplugin`` module; this module
is imported only once a test asks for ``evaluate`` or the session was given
``--surefoot-gate``, so a test suite that never uses them pays nothing for surefoot.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from rich.console import Console

from surefoot.core._clock import SYSTEM_CLOCK
from surefoot.core._eval_records import EvalResult
from surefoot.core._ids import new_id
from surefoot.core.config import Settings
from surefoot.core.errors import InvalidInput, SurefootError
from surefoot.evals._dataset import make_case
from surefoot.evals._judge import ModelJudge
from surefoot.evals._pytest_run import record_session
from surefoot.evals._scorers import ResultMetric, Scorer
from surefoot.evals._suite import resolve_scorer

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from surefoot.core._eval_records import EvalCase
    from surefoot.evals._runner import Metric

__all__ = ["Evaluator", "SessionEvals", "evaluator_for", "finish_session"]


@dataclass
class SessionEvals:
    """Everything the session's ``evaluate`` calls recorded.

    Args:
        suite: the suite name runs are stored under (``surefoot_suite``).
        cases: the recorded cases, by case hash, in call order.
        scores: per case hash, per metric, the score.
        results: each case's output, as the runner would cache it.
        lower_is_better: metrics where lower is better (latency, cost).
        thresholds: per metric, the drop the gate tolerates.
        summary: lines for the terminal summary.
        failed: whether the session must fail (gate blocked, or recording failed).
    """

    suite: str
    cases: dict[str, EvalCase] = field(default_factory=dict)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    results: list[EvalResult] = field(default_factory=list)
    lower_is_better: set[str] = field(default_factory=set)
    thresholds: dict[str, float] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    failed: bool = False


def _named(spec: Sequence[str] | Mapping[str, Metric | str]) -> dict[str, Scorer | ResultMetric]:
    pairs: Iterable[tuple[str, Metric | str]] = (
        spec.items() if hasattr(spec, "items") else ((n, n) for n in spec)
    )
    named: dict[str, Scorer | ResultMetric] = {}
    for name, scorer in pairs:
        metric = resolve_scorer(scorer) if isinstance(scorer, str) else scorer
        if isinstance(metric, ModelJudge):
            raise InvalidInput(
                f"scorer {name!r} is a model judge, which evaluate() cannot await; "
                "score judges with 'surefoot eval run' or Runner instead"
            )
        named[name] = metric
    return named


class Evaluator:
    """The ``evaluate`` fixture: score one output of the code under test and record it.

    Args:
        node: the test item; its id is the case input when none is given.
        session: the session's record.
        defaults: keyword defaults from the test's ``surefoot_eval`` marker.
    """

    def __init__(self, node: pytest.Item, session: SessionEvals, defaults: dict[str, Any]):
        self.node, self.session, self.defaults = node, session, defaults
        self._calls = 0
        self._started = time.perf_counter()

    def __call__(
        self,
        output: Any,
        expected: Any = None,
        *,
        input: Any = None,
        scorers: Sequence[str] | Mapping[str, Metric | str] | None = None,
        tags: Iterable[str] | None = None,
        require: Mapping[str, float] | None = None,
        thresholds: Mapping[str, float] | None = None,
        latency_s: float | None = None,
        cost_usd: float | None = None,
    ) -> dict[str, float]:
        """Score ``output`` against ``expected`` and record it as one case of the session's run.

        Args:
            output: what the code under test produced.
            expected: the reference answer, if scorers need one.
            input: the case input; default the test's node id (``#n`` for later calls).
            scorers: scorer names (as in suite files) or a name-to-scorer mapping; default
                the marker's ``scorers``, else ``["exact_match"]``.
            tags: labels of the case; default the marker's ``tags``.
            require: per metric, the lowest score this test accepts; below it the test fails.
            thresholds: per metric, the drop the session gate tolerates (``--surefoot-gate``).
            latency_s: the call's latency; default the time since the test started.
            cost_usd: the call's cost, when known.

        Returns:
            The scores by metric name.
        """
        opts = self.defaults
        metrics = _named(scorers or opts.get("scorers") or ["exact_match"])
        self._calls += 1
        if input is None:
            suffix = f"#{self._calls}" if self._calls > 1 else ""
            input = f"{self.node.nodeid}{suffix}"
        latency = time.perf_counter() - self._started if latency_s is None else latency_s
        case = make_case(input, expected, tags=tags if tags is not None else opts.get("tags", ()))
        result = _result_of(case, output, latency, cost_usd)
        scores = {
            name: float(getattr(result, m.field) or 0.0)
            if isinstance(m, ResultMetric)
            else float(m(output, expected))
            for name, m in metrics.items()
        }
        self._record(case, result, scores, metrics)
        self.session.thresholds.update({**opts.get("thresholds", {}), **(thresholds or {})})
        _require(scores, {**opts.get("require", {}), **(require or {})})
        return scores

    def _record(
        self,
        case: EvalCase,
        result: EvalResult,
        scores: dict[str, float],
        metrics: Mapping[str, Scorer | ResultMetric],
    ) -> None:
        s = self.session
        if case.case_hash in s.cases:
            raise InvalidInput(
                f"{self.node.nodeid}: case {case.input!r} was already evaluated in this session; "
                "give each evaluate() call a distinct input"
            )
        s.cases[case.case_hash] = case
        s.scores[case.case_hash] = scores
        s.results.append(result)
        s.lower_is_better.update(n for n, m in metrics.items() if isinstance(m, ResultMetric))


def _result_of(case: EvalCase, output: Any, latency: float, cost: float | None) -> EvalResult:
    # The configuration hash is filled in when the session's run is stored.
    return EvalResult(case.case_hash, "", 0, output, None, latency, cost, SYSTEM_CLOCK.now_ns())


def _require(scores: Mapping[str, float], require: Mapping[str, float]) -> None:
    low = {n: (scores[n], m) for n, m in require.items() if n in scores and scores[n] < m}
    missing = [n for n in require if n not in scores]
    if missing:
        raise InvalidInput(f"require names unscored metric(s) {', '.join(missing)}; add scorers")
    if low:
        text = ", ".join(f"{n}={s:.4g} (needs {m:g})" for n, (s, m) in low.items())
        pytest.fail(f"eval scores below the required minimum: {text}", pytrace=False)


def evaluator_for(request: pytest.FixtureRequest, session: SessionEvals) -> Evaluator:
    """The ``evaluate`` fixture's value for one test, with its marker's defaults."""
    marker = request.node.get_closest_marker("surefoot_eval")
    defaults = dict(marker.kwargs) if marker is not None else {}
    unknown = set(defaults) - {"scorers", "tags", "require", "thresholds"}
    if unknown:
        raise InvalidInput(
            f"surefoot_eval marker: unknown argument(s) {', '.join(sorted(unknown))}; "
            "use scorers, tags, require or thresholds"
        )
    return Evaluator(request.node, session, defaults)


def finish_session(config: pytest.Config, session: SessionEvals | None) -> SessionEvals | None:
    """Store the session's run and apply the gate; returns the record with summary lines."""
    gate_id = config.getoption("surefoot_gate")
    if session is None:
        if gate_id is None:
            return None
        session = SessionEvals(str(config.getini("surefoot_suite")))
    url = config.getoption("surefoot_store") or config.getini("surefoot_store")
    try:
        settings = Settings.load(None, **({"store": {"url": url}} if url else {}))
    except SurefootError as exc:
        session.summary.append(f"surefoot evals: {exc}")
        session.failed = True
        return session
    for line in config.getini("surefoot_thresholds"):
        name, _, value = str(line).partition("=")
        try:
            session.thresholds.setdefault(name.strip(), float(value))
        except ValueError as exc:
            raise pytest.UsageError(
                f"surefoot_thresholds: {line!r} is not 'metric = number'; fix the ini file"
            ) from exc
    out = io.StringIO()
    record_session(session, settings.store, gate_id, Console(file=out, width=120), new_id())
    session.summary.extend(out.getvalue().splitlines())
    return session
