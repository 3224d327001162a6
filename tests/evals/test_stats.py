"""Properties of the paired statistics."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surefoot.evals import paired_bootstrap, paired_compare, sign_flip_test

scores = st.lists(st.floats(0, 1), min_size=2, max_size=40)


@settings(max_examples=40, deadline=None)
@given(values=scores, seed=st.integers(0, 1000))
def test_p_value_is_a_probability(values: list[float], seed: int) -> None:
    """The permutation p-value lies in (0, 1]."""
    assert 0 < sign_flip_test([v - 0.5 for v in values], permutations=200, seed=seed) <= 1


@settings(max_examples=40, deadline=None)
@given(value=st.floats(-1, 1), n=st.integers(1, 30))
def test_constant_deltas_have_a_point_interval(value: float, n: int) -> None:
    """When every case moved by the same amount, the interval is that amount."""
    lo, hi = paired_bootstrap([value] * n, resamples=100)
    assert lo == pytest.approx(value) and hi == pytest.approx(value)


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=2, max_size=40))
def test_swapping_runs_negates_the_comparison(pairs: list[tuple[float, float]]) -> None:
    """Comparing B with A gives minus the delta and the mirrored interval of A with B."""
    a, b = [x for x, _ in pairs], [y for _, y in pairs]
    ab, ba = paired_compare("m", a, b, resamples=200), paired_compare("m", b, a, resamples=200)
    assert ab.delta == pytest.approx(-ba.delta, abs=1e-12)
    assert ab.ci_low == pytest.approx(-ba.ci_high, abs=1e-9)
    assert ab.p_value == pytest.approx(ba.p_value)


def test_seeded_results_repeat() -> None:
    """The same seed gives the same interval and p-value."""
    d = [0.1, -0.2, 0.3, 0.0, 0.05] * 5
    assert paired_bootstrap(d, seed=7) == paired_bootstrap(d, seed=7)
    assert sign_flip_test(d, seed=7) == sign_flip_test(d, seed=7)
