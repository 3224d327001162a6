"""Several metrics at once: Holm-adjusted p-values and a Bonferroni-split gate bound."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from surefoot.core import EvalRunRecord
from surefoot.evals import compare_scores, gate, holm_adjust

p_values = st.dictionaries(st.text("abcdefgh", min_size=1, max_size=3), st.floats(0, 1), max_size=8)


@settings(max_examples=60, deadline=None)
@given(raw=p_values)
def test_holm_never_lowers_a_p_value(raw: dict[str, float]) -> None:
    """Adjusted p-values are at least the raw ones, at most 1, and keep the raw order."""
    adjusted = holm_adjust(raw)
    assert adjusted.keys() == raw.keys()
    assert all(raw[k] <= adjusted[k] <= 1.0 for k in raw)
    ordered = sorted(raw, key=lambda k: raw[k])
    assert [adjusted[k] for k in ordered] == sorted(adjusted[k] for k in ordered)


def _run(run_id: str, exact: list[float]) -> EvalRunRecord:
    scores = {f"c{i}": {"exact": e, "style": 1.0} for i, e in enumerate(exact)}
    return EvalRunRecord(run_id, "s", "d", 1, "x" * 64, {}, scores)


def test_comparison_reports_holm_p_values() -> None:
    """Each compared metric carries a Holm-adjusted p-value next to its raw one."""
    cmp = compare_scores(_run("a", [1.0] * 30), _run("b", [1.0] * 20 + [0.0] * 10))
    assert cmp.p_holm["exact"] >= cmp.metrics["exact"].p_value
    assert cmp.p_holm["style"] == 1.0


def test_gate_splits_its_level_between_metrics() -> None:
    """One gated metric uses the 95 % bound, two use 97.5 % each, and say so when blocking."""
    base, cand = _run("a", [1.0] * 30), _run("b", [1.0] * 20 + [0.0] * 10)
    one = gate(base, cand, {"exact": 0.05})
    two = gate(base, cand, {"exact": 0.05, "style": 0.05})
    assert "(95% bound" in one.failures["exact"] and "(97.5% bound" in two.failures["exact"]
    assert two.comparison.metrics["exact"].ci_high >= one.comparison.metrics["exact"].ci_high
