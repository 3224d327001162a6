"""Settings precedence, validation and provenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from surefoot.core import ConfigError, Settings, explain_settings


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test starts in an empty folder with no SUREFOOT_* variables."""
    import os

    for name in list(os.environ):
        if name.startswith("SUREFOOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "surefoot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_apply_without_any_source() -> None:
    """With no file, environment or argument every setting has its documented default."""
    settings = Settings.load()
    assert settings.store.url == "sqlite:///.surefoot/surefoot.db"
    assert {o.source for o in explain_settings(settings)} == {"default"}


def test_argument_beats_environment_beats_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An explicit argument wins over the environment, which wins over the file."""
    _write(tmp_path, "[recorder]\nbatch_size = 7\nqueue_size = 100\nflush_interval_s = 0.5\n")
    monkeypatch.setenv("SUREFOOT_RECORDER__BATCH_SIZE", "9")
    monkeypatch.setenv("SUREFOOT_RECORDER__QUEUE_SIZE", "200")
    settings = Settings.load(recorder={"queue_size": 300})
    assert settings.recorder.queue_size == 300
    assert settings.recorder.batch_size == 9
    assert settings.recorder.flush_interval_s == 0.5


def test_explain_names_the_source_of_each_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """explain_settings reports argument, environment, file or default per setting."""
    _write(tmp_path, '[store]\nurl = "sqlite:///from-file.db"\n')
    monkeypatch.setenv("SUREFOOT_RECORDER__BATCH_SIZE", "9")
    settings = Settings.load(tracing={"service_name": "checkout"})
    sources = {o.name: o.source for o in explain_settings(settings, tracing={"service_name": "x"})}
    assert sources["store.url"] == "file"
    assert sources["recorder.batch_size"] == "environment"
    assert sources["tracing.service_name"] == "argument"
    assert sources["recorder.queue_size"] == "default"


def test_secrets_and_passwords_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    """explain_settings never shows a password or a secret header."""
    monkeypatch.setenv("SUREFOOT_STORE__URL", "postgresql+psycopg://app:hunter2@db/sf")
    monkeypatch.setenv("SUREFOOT_OTLP__HEADERS", '{"api-key": "topsecret"}')
    shown = " ".join(o.value for o in explain_settings(Settings.load()))
    assert "hunter2" not in shown
    assert "topsecret" not in shown
    assert "app:***@db" in shown


def test_invalid_value_names_the_variable() -> None:
    """A value out of range raises ConfigError naming the setting and its variable."""
    expected = r"recorder\.batch_size \(SUREFOOT_RECORDER__BATCH_SIZE\)"
    with pytest.raises(ConfigError, match=expected):
        Settings.load(recorder={"batch_size": 0})


def test_unknown_key_in_file_is_refused(tmp_path: Path) -> None:
    """A typo in surefoot.toml fails loudly instead of being ignored."""
    _write(tmp_path, "[recorder]\nbatch_sise = 7\n")
    with pytest.raises(ConfigError, match="batch_sise"):
        Settings.load()


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    """A file that is not TOML raises ConfigError naming the file."""
    _write(tmp_path, "[store\nurl=")
    with pytest.raises(ConfigError, match=r"surefoot\.toml is not valid TOML"):
        Settings.load()


def test_missing_named_file_is_refused(tmp_path: Path) -> None:
    """Naming a config file that does not exist is an error, not a silent default."""
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.load(config_file=tmp_path / "nope.toml")
