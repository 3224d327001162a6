"""`surefoot keys`: create prints a key once, list never shows secrets, revoke ends a key."""

from __future__ import annotations

import json

from sqlalchemy import text
from typer.testing import CliRunner

from surefoot.cli import app as cli
from surefoot.store import ApiKeys, Store


def _create(runner: CliRunner, store_url: str, *scopes: str) -> dict[str, str]:
    args = ["--store-url", store_url, "keys", "create", "--name", "ci", "--json"]
    for scope in scopes:
        args += ["--scope", scope]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


def test_create_prints_a_key_that_authenticates(store_url: str, store: Store) -> None:
    """The printed key verifies against the stored key with the scopes asked for."""
    created = _create(CliRunner(), store_url, "read", "ingest")
    key_id, secret = created["key"][3:19], created["key"][20:]
    stored = ApiKeys(store.engine).get(key_id)
    assert stored is not None
    assert stored.verifies(secret)
    assert sorted(stored.scopes) == ["ingest", "read"]


def test_the_secret_is_never_stored(store_url: str, store: Store) -> None:
    """No column of the api_keys table holds the secret: only its SHA-256."""
    created = _create(CliRunner(), store_url, "read")
    secret = created["key"][20:]
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM api_keys")).all()
    assert rows
    assert not any(secret in str(value) for row in rows for value in row)


def test_list_shows_keys_without_secrets(store_url: str) -> None:
    """keys list shows id, name and scopes but not the key."""
    runner = CliRunner()
    created = _create(runner, store_url, "read")
    listed = runner.invoke(cli, ["--store-url", store_url, "keys", "list", "--json"])
    assert listed.exit_code == 0
    (row,) = [json.loads(line) for line in listed.output.splitlines()]
    assert (row["id"], row["scopes"], row["revoked_ns"]) == (created["id"], ["read"], None)
    assert created["key"] not in listed.output


def test_revoke_marks_the_key_revoked(store_url: str, store: Store) -> None:
    """keys revoke ID revokes it; revoking it again exits 1 with a hint."""
    runner = CliRunner()
    created = _create(runner, store_url, "read")
    args = ["--store-url", store_url, "keys", "revoke", created["id"]]
    assert runner.invoke(cli, args).exit_code == 0
    stored = ApiKeys(store.engine).get(created["id"])
    assert stored is not None and not stored.active
    again = runner.invoke(cli, args)
    assert again.exit_code == 1


def test_unknown_scope_is_refused(store_url: str) -> None:
    """A scope that does not exist is a usage error listing the valid ones."""
    args = ["--store-url", store_url, "keys", "create", "--name", "x", "--scope", "root"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "gateway" in result.output
