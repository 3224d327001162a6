"""create_engine dispatches on the URL and normalises PostgreSQL spellings to psycopg."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from surefoot.core import ConfigError, StoreUnavailable
from surefoot.store import backend_of, create_engine


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@127.0.0.1/db",
        "postgres://u@127.0.0.1/db",
        "postgresql+psycopg://u@127.0.0.1/db",
    ],
)
def test_postgresql_spellings_use_the_psycopg_driver(url: str) -> None:
    """postgresql://, postgres:// and postgresql+psycopg:// all become postgresql+psycopg."""
    engine = create_engine(url)
    assert engine.url.drivername == "postgresql+psycopg"
    assert backend_of(url) == "postgresql"


@pytest.mark.parametrize("url", ["mysql://u@h/db", "postgresql+psycopg2://u@h/db", "nonsense"])
def test_unsupported_urls_raise_config_error(url: str) -> None:
    """Unknown schemes, unknown drivers and URLs without a scheme raise ConfigError."""
    with pytest.raises(ConfigError, match="unsupported store URL scheme") as caught:
        create_engine(url)
    assert "sqlite:///PATH" in str(caught.value)


def test_password_is_masked_in_the_error() -> None:
    """A rejected URL without a recognisable scheme never shows its password."""
    with pytest.raises(ConfigError) as caught:
        create_engine("user:s3cret@host/db")
    assert "s3cret" not in str(caught.value)


def test_sqlite_file_folder_is_created(tmp_path: Path) -> None:
    """The folder of a SQLite file is created with the engine."""
    path = tmp_path / "a" / "b" / "surefoot.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    assert path.is_file()


def test_in_memory_sqlite_keeps_one_database_across_connections() -> None:
    """sqlite:// shares one in-memory database between checkouts."""
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    engine.dispose()


def test_uncreatable_sqlite_folder_raises_store_unavailable(tmp_path: Path) -> None:
    """A SQLite path under a regular file cannot get its folder: StoreUnavailable with a hint."""
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreUnavailable, match="cannot create the store folder"):
        create_engine(f"sqlite:///{tmp_path / 'file' / 'sub' / 'x.db'}")
