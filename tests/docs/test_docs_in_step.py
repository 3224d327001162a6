"""The documentation says what the code does: generated pages and README commands stay true."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from surefoot.cli import app
from surefoot.cli._config import reference_markdown

ROOT = Path(__file__).resolve().parents[2]


def _readme_commands(prefix: str) -> list[str]:
    lines, language = [], None
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            language = None if language is not None else (line[3:].strip() or "text")
        elif language in {"bash", "sh", "console"}:
            command = line.split("#")[0].strip().removeprefix("$ ").removeprefix(".venv/bin/")
            lines.append(command)
    return [line for line in lines if line.startswith(prefix)]


def test_configuration_reference_is_current() -> None:
    """docs/configuration.md equals `surefoot config reference`; regenerate it when this fails."""
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert page == reference_markdown(), (
        "run: .venv/bin/surefoot config reference > docs/configuration.md"
    )


def test_readme_make_targets_exist() -> None:
    """Every `make X` the README shows is a target of the Makefile."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    commands = _readme_commands("make ")
    assert "make demo" in commands
    assert "make test" in commands
    for command in commands:
        assert command.split()[1] in targets, command


@pytest.mark.parametrize("command", _readme_commands("surefoot "))
def test_readme_surefoot_commands_exist(command: str) -> None:
    """Every `surefoot ...` command the README shows is a real command of the CLI."""
    words = [w for w in shlex.split(command)[1:] if not w.startswith("-")]
    # Walk down the command groups until the words stop naming subcommands.
    path: list[str] = []
    for word in words:
        probe = CliRunner().invoke(app, [*path, word, "--help"])
        if probe.exit_code != 0:
            break
        path.append(word)
    assert path, f"README command {command!r} names no surefoot command"


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run calls exactly `make test`, the README's test command."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", script, flags=re.M)


def _readme_python_blocks() -> list[str]:
    blocks: list[str] = []
    current: list[str] = []
    language: str | None = None
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            if language == "python":
                blocks.append("\n".join(current))
            language = None if language is not None else (line[3:].strip() or "text")
            current = []
        elif language is not None:
            current.append(line)
    return blocks


def test_readme_python_example_records_a_trace(tmp_path: Path) -> None:
    """The README's library example runs as written and its trace is then listed by the CLI."""
    blocks = _readme_python_blocks()
    assert blocks, "the README shows no Python example"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUREFOOT_")}
    for block in blocks:
        done = subprocess.run(
            [sys.executable, "-c", block], cwd=tmp_path, env=env, capture_output=True, timeout=60
        )
        assert done.returncode == 0, done.stderr.decode()
    listed = subprocess.run(
        [sys.executable, "-m", "surefoot.cli", "traces", "list", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr.decode()
    assert '"name": "support.answer"' in listed.stdout.decode()
