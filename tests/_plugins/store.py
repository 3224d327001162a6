"""Fixtures for tests that need a real store, on SQLite and on PostgreSQL.

PostgreSQL comes from ``SUREFOOT_TEST_POSTGRES_URL`` (set by ``scripts/with-services.sh``, which
``make pytest`` uses). Each test gets its own schema, selected through ``search_path`` in the URL,
and dropped afterwards: tests are isolated, and any code given the URL (a recorder, a second
Store, a subprocess) sees the same schema. Without the variable the PostgreSQL cases are
skipped, except under ``CI=true``, where that is an error.

Fixtures:
    dialect: ``"sqlite"`` or ``"postgresql"`` (parametrised; postgres cases carry the mark).
    store_url: an empty, unmigrated store URL of that dialect.
    store: a migrated :class:`~surefoot.store.Store` on ``store_url``.
    postgres_url: the cluster's base URL (skips without PostgreSQL).
    postgres_schema_url: a fresh PostgreSQL schema's URL.
    postgres_proxy: a :class:`~tests._plugins.services.TcpProxy` in front of the cluster.
    proxied_store_url: a fresh schema's URL that goes through ``postgres_proxy``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from tests._plugins.services import TcpProxy

from surefoot.core import StoreSettings, new_id
from surefoot.store import Store

POSTGRES_ENV = "SUREFOOT_TEST_POSTGRES_URL"


def with_search_path(url: str, schema: str) -> str:
    """``url`` with every connection's search_path set to ``schema``."""
    parsed = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False)


@pytest.fixture(scope="session", name="postgres_url")
def _postgres_url() -> str:
    """The base URL of the test PostgreSQL cluster; skips (or fails under CI) without one."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        reason = f"{POSTGRES_ENV} is not set; run the suite through `make pytest` (PostgreSQL)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}, which CI=true requires")
        pytest.skip(reason)
    return url


@pytest.fixture(name="postgres_schema_factory")
def _postgres_schema_factory(postgres_url: str) -> Iterator[Callable[[], str]]:
    """Create empty schemas on demand; all are dropped when the test ends."""
    admin = sa_create_engine(postgres_url, poolclass=NullPool)
    schemas: list[str] = []

    def create() -> str:
        schema = f"t_{new_id()[:16]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        schemas.append(schema)
        return schema

    yield create
    with admin.begin() as conn:
        for schema in schemas:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(name="postgres_schema_url")
def _postgres_schema_url(postgres_url: str, postgres_schema_factory: Callable[[], str]) -> str:
    """The URL of a fresh, empty PostgreSQL schema."""
    return with_search_path(postgres_url, postgres_schema_factory())


@pytest.fixture(
    name="dialect",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def _dialect(request: pytest.FixtureRequest) -> str:
    """Each store backend in turn."""
    return str(request.param)


@pytest.fixture(name="store_url")
def _store_url(dialect: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty, unmigrated store URL of the current dialect."""
    if dialect == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'surefoot.db'}"
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture(name="store")
def _store(store_url: str) -> Iterator[Store]:
    """A migrated Store on the current dialect, closed after the test."""
    store = Store.open(StoreSettings(url=store_url, connect_timeout_s=5.0))
    yield store
    store.close()


@pytest.fixture(name="postgres_proxy")
def _postgres_proxy(
    postgres_url: str, tcp_proxy_factory: Callable[[str, int], TcpProxy]
) -> TcpProxy:
    """A cuttable TCP proxy in front of the test PostgreSQL cluster."""
    parsed = make_url(postgres_url)
    return tcp_proxy_factory(parsed.host or "127.0.0.1", parsed.port or 5432)


@pytest.fixture(name="proxied_store_url")
def _proxied_store_url(postgres_schema_url: str, postgres_proxy: TcpProxy) -> str:
    """A fresh schema's URL routed through ``postgres_proxy``: cut it to take the store away."""
    parsed = make_url(postgres_schema_url).set(host=postgres_proxy.host, port=postgres_proxy.port)
    return parsed.render_as_string(hide_password=False)
