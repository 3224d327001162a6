"""Fixtures for CLI tests: a clean working folder and a runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner


@pytest.fixture(name="workdir", autouse=True)
def _workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each CLI test runs in an empty folder with no SUREFOOT_* variables."""
    for name in list(os.environ):
        if name.startswith("SUREFOOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(name="runner")
def _runner() -> CliRunner:
    """A typer runner with a wide terminal so tables are not folded."""
    return CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})
