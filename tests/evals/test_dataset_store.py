"""Dataset versions in the store, content-hashed."""

from __future__ import annotations

import pytest

from surefoot.evals import Dataset, make_case
from surefoot.store import EvalStore, Store


@pytest.fixture(name="evals")
def _evals(store: Store) -> EvalStore:
    return EvalStore(store.engine)


def _data(*inputs: str) -> Dataset:
    return Dataset.from_cases("qa", [make_case(i, i.upper(), tags=["t"]) for i in inputs])


def test_same_content_reuses_its_version(evals: EvalStore) -> None:
    """Saving identical content twice returns the first version instead of a new one."""
    first = evals.save_dataset("qa", _data("a", "b").cases, 1)
    assert evals.save_dataset("qa", _data("a", "b").cases, 2) == first == 1


def test_changed_content_gets_the_next_version(evals: EvalStore) -> None:
    """New content becomes version 2 and both versions stay readable."""
    evals.save_dataset("qa", _data("a").cases, 1)
    assert evals.save_dataset("qa", _data("a", "b").cases, 2) == 2
    first, latest = evals.load_dataset("qa", 1), evals.load_dataset("qa")
    assert first is not None and latest is not None
    assert (len(first[1]), latest[0], len(latest[1])) == (1, 2, 2)


def test_cases_round_trip(evals: EvalStore) -> None:
    """Loaded cases equal the saved ones, in order."""
    data = _data("b", "a", "c")
    evals.save_dataset("qa", data.cases, 1)
    assert evals.load_dataset("qa") == (1, list(data.cases))


def test_missing_dataset_is_none(evals: EvalStore) -> None:
    """An unknown name or version loads as None."""
    assert evals.load_dataset("nope") is None
