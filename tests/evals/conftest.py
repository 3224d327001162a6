"""Fixtures for eval tests: a FaultServer that answers sums, wrongly under a "bad" prompt."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from surefoot.testing import FaultServer


def answer_sums(body: Mapping[str, Any]) -> str:
    """The scripted model: sums ``a+b``, but a "sloppy" system prompt gets even sums wrong."""
    messages = body["messages"]
    system = next((m["content"] for m in messages if m["role"] == "system"), "")
    a, b = messages[-1]["content"].rsplit(" ", 1)[-1].split("+")
    total = int(a) + int(b)
    return str(total + 1 if "sloppy" in system and total % 2 == 0 else total)


@pytest.fixture(name="sums_server")
def _sums_server() -> Iterator[FaultServer]:
    """A FaultServer that plays the scripted model."""
    with FaultServer(respond=answer_sums) as server:
        yield server


@pytest.fixture(name="sums_dataset")
def _sums_dataset(tmp_path: Path) -> Path:
    """40 sums as a JSONL dataset."""
    path = tmp_path / "sums.jsonl"
    rows = [
        {"input": f"{i}+{i + 3 * (i % 2)}", "expected": str(2 * i + 3 * (i % 2))} for i in range(40)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(name="clean_env", autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SUREFOOT_* variable from the caller leaks into eval tests."""
    for name in list(os.environ):
        if name.startswith("SUREFOOT_") and not name.startswith("SUREFOOT_TEST_"):
            monkeypatch.delenv(name)


def write_suite(path: Path, url: str, system: str, *, extra: str = "") -> Path:
    """A suite over sums.jsonl against ``url`` with the given system prompt."""
    path.write_text(
        f"""
name = "sums"
dataset = "sums.jsonl"
concurrency = 4
timeout_s = 5.0

[target]
url = "{url}"
model = "sum-model-2026-01-01"
system = "{system}"
prompt = "Compute {{input}}"

[metrics.exact]
scorer = "exact_match"
threshold = 0.05

[metrics.latency]
scorer = "latency_s"
threshold = 1.0
{extra}
""",
        encoding="utf-8",
    )
    return path
