"""Writes to the eval store are idempotent: repeating them changes nothing."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.evals.strategies import json_values, text

from surefoot.core import EvalResult
from surefoot.evals import Dataset, make_case
from surefoot.store import EvalStore, Store

STORE_SETTINGS = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(name="evals")
def _evals(store: Store) -> EvalStore:
    return EvalStore(store.engine)


@STORE_SETTINGS
@given(outputs=st.lists(json_values, min_size=1, max_size=4))
def test_rewriting_results_keeps_the_first(evals: EvalStore, outputs: list[object]) -> None:
    """Writing a result key again, even with another output, leaves the stored row as it was."""
    # A fresh key per example: the store outlives hypothesis's examples.
    config = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    first = [EvalResult(f"c{i}", config, 0, o, None, 0.1, None, 1) for i, o in enumerate(outputs)]
    evals.write_results(first)
    evals.write_results(
        [EvalResult(r.case_hash, config, 0, "other", "boom", 9.0, 1.0, 2) for r in first]
    )
    stored = sorted(
        evals.cached_results(config, [r.case_hash for r in first]), key=lambda r: r.case_hash
    )
    assert stored == sorted(first, key=lambda r: r.case_hash)


@STORE_SETTINGS
@given(inputs=st.lists(text, min_size=1, max_size=5, unique=True))
def test_saving_a_dataset_twice_is_one_version(evals: EvalStore, inputs: list[str]) -> None:
    """The same content saved twice is one version with the same cases."""
    data = Dataset.from_cases(uuid.uuid4().hex, [make_case(i) for i in inputs])
    version = evals.save_dataset(data.name, data.cases, 1)
    assert evals.save_dataset(data.name, data.cases, 2) == version
    assert [(v, n) for v, _, n in evals.dataset_versions(data.name)] == [(version, len(data))]
