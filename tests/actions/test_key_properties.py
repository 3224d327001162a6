"""Property tests: fingerprints are canonical, and any sequence of submissions runs once per key."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surefoot.actions import Actions, action, canonical_json, fingerprint
from surefoot.core import ActionConflict, FakeClock, InvalidInput, StoreSettings
from surefoot.store import Store

finite = st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | finite | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
params_st = st.dictionaries(st.text(max_size=8), json_values, max_size=5)

runs: list[str] = []
_counter = itertools.count()


@action("prop.effect")
def effect(**params: Any) -> int:
    runs.append(canonical_json(params))
    return len(runs)


@given(params=params_st)
def test_fingerprint_ignores_key_order(params: dict[str, Any]) -> None:
    """Reordering a mapping's keys never changes its fingerprint."""
    reordered = dict(reversed(list(params.items())))
    assert fingerprint(params) == fingerprint(reordered)


@given(params=params_st, bad=st.sampled_from([{1}, object(), float("nan"), b"x", {1: "a"}]))
def test_unfingerprintable_values_are_refused(params: dict[str, Any], bad: Any) -> None:
    """A value with no faithful JSON form anywhere in the parameters is refused."""
    with pytest.raises(InvalidInput):
        fingerprint({**params, "bad": [bad]})


@pytest.fixture(name="memory_actions", scope="module")
def _memory_actions() -> Any:
    store = Store.open(StoreSettings(url="sqlite://"))
    yield Actions(store, clock=FakeClock(), wait_s=0.0)
    store.close()


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plan=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from([{"a": 1}, {"a": 2}, {"b": [1, "x"]}])),
        min_size=1,
        max_size=12,
    )
)
def test_any_submission_sequence_runs_once_per_key(
    memory_actions: Actions, plan: list[tuple[int, dict[str, Any]]]
) -> None:
    """Each key runs once with its first parameters; later equal ones replay, others conflict."""
    prefix = f"p{next(_counter)}-"
    first: dict[int, dict[str, Any]] = {}
    before = len(runs)
    for key, params in plan:
        if key in first and first[key] != params:
            with pytest.raises(ActionConflict):
                effect.submit(memory_actions, prefix + str(key), **params)
            continue
        outcome = effect.submit(memory_actions, prefix + str(key), **params)
        assert outcome.succeeded and outcome.replayed == (key in first)
        first.setdefault(key, params)
    assert len(runs) - before == len(first)
