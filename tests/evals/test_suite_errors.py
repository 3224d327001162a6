"""Suite files: clear errors naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.evals.conftest import write_suite

from surefoot.core import InvalidInput
from surefoot.evals import Regex, load_suite


def test_unknown_metric_is_named(tmp_path: Path, sums_dataset: Path) -> None:
    """A metric no scorer is registered for is refused with the known ones listed."""
    suite = write_suite(
        tmp_path / "s.toml", "http://x/v1", "", extra="[metrics.vibes]\nthreshold = 0.1\n"
    )
    with pytest.raises(
        InvalidInput, match=r"s\.toml: metrics\.vibes: unknown metric 'vibes'; use one of"
    ):
        load_suite(suite)


def test_missing_dataset_is_named(tmp_path: Path) -> None:
    """A suite pointing at a dataset file that does not exist names the field and the path."""
    suite = write_suite(tmp_path / "s.toml", "http://x/v1", "")
    with pytest.raises(InvalidInput, match=r"field 'dataset' points at .*sums\.jsonl"):
        load_suite(suite)


def test_metric_without_threshold_is_refused(tmp_path: Path, sums_dataset: Path) -> None:
    """Every metric needs the drop the gate tolerates."""
    suite = write_suite(
        tmp_path / "s.toml", "http://x/v1", "", extra="[metrics.re]\nscorer = 'regex'\n"
    )
    with pytest.raises(InvalidInput, match=r"metrics\.re needs a table with a 'threshold'"):
        load_suite(suite)


def test_callable_target_and_parameters(tmp_path: Path, sums_dataset: Path) -> None:
    """A callable target and parameterised scorers are built from the file."""
    path = tmp_path / "s.toml"
    path.write_text(
        'dataset = "sums.jsonl"\n[target]\ncallable = "json:dumps"\n'
        '[metrics.digits]\nscorer = "regex"\npattern = "\\\\d"\nthreshold = 0.1\n',
        encoding="utf-8",
    )
    suite = load_suite(path)
    assert suite.build_target().config["callable"] == "json:dumps"
    scorer = suite.scorers["digits"]
    assert isinstance(scorer, Regex) and scorer("a1", None) == 1.0


def test_judge_without_rubric_is_named(tmp_path: Path, sums_dataset: Path) -> None:
    """A judge metric missing its rubric says which key to add."""
    extra = '[metrics.judged]\nscorer = "judge"\nmodel = "judge-2026-01-01"\nthreshold = 0.1\n'
    suite = write_suite(tmp_path / "s.toml", "http://127.0.0.1:9/v1", "", extra=extra)
    with pytest.raises(InvalidInput, match=r"metrics\.judged: a judge needs rubric"):
        load_suite(suite)
