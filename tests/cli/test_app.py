"""The CLI's error output: a surefoot error is its message and its fix, printed as written."""

from __future__ import annotations

import pytest

from surefoot.cli._app import fail
from surefoot.core import ConfigError


def test_an_error_naming_a_toml_table_prints_the_brackets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Square brackets in a message or fix are text, not console markup to be swallowed."""
    exit_ = fail(ConfigError("models.chat.x is wrong", hint="edit [models.chat] in surefoot.toml"))
    err = capsys.readouterr().err
    assert "fix: edit [models.chat] in surefoot.toml" in err
    assert exit_.exit_code == 2
