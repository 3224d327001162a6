"""Running a suite end to end through the Python API."""

from __future__ import annotations

from pathlib import Path

import pytest

from surefoot.core import FakeClock, InvalidInput
from surefoot.evals import load_suite, run_suite
from surefoot.store import EvalStore, Store


def shout(text: str) -> str:
    """A target: the input upper-cased."""
    return text.upper()


def _suite(tmp_path: Path, split: str) -> Path:
    (tmp_path / "cases.jsonl").write_text(
        '{"input": "a", "expected": "A"}\n{"input": "b", "expected": "B", "split": "hard"}\n',
        encoding="utf-8",
    )
    path = tmp_path / "suite.toml"
    path.write_text(
        f'dataset = "cases.jsonl"\nsplit = "{split}"\n[target]\ncallable = "{__name__}:shout"\n'
        "[metrics.exact_match]\nthreshold = 0.1\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(name="evals")
def _evals(store: Store) -> EvalStore:
    return EvalStore(store.engine)


def test_suite_run_is_stored_with_its_dataset_version(evals: EvalStore, tmp_path: Path) -> None:
    """The run records the dataset version it used and scores only the chosen split."""
    outcome = run_suite(load_suite(_suite(tmp_path, "hard")), evals, clock=FakeClock())
    stored = evals.get_run(outcome.run.run_id)
    assert stored is not None and stored.dataset_version == 1
    assert (len(stored.scores), outcome.means()) == (1, {"exact_match": 1.0})


def test_empty_split_is_refused(evals: EvalStore, tmp_path: Path) -> None:
    """A split with no cases is an error naming the suite and the split."""
    with pytest.raises(InvalidInput, match="split 'nope' has no cases"):
        run_suite(load_suite(_suite(tmp_path, "nope")), evals)
