"""API keys: 401 for missing, unknown or revoked keys, 403 for a missing scope."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import LOOPBACK_CLIENT, server_settings

from surefoot.server import create_app
from surefoot.store import ApiKeys, ApiKeyScope, Store

REMOTE_CLIENT = ("203.0.113.7", 40000)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(name="clock")
def _clock() -> Clock:
    """A clock at an arbitrary start."""
    return Clock()


@pytest.fixture(name="keys")
def _keys(store: Store) -> ApiKeys:
    """The test store's API keys."""
    return ApiKeys(store.engine)


def _client(store_url: str, store: Store, clock: Clock, **server: object) -> TestClient:
    settings = server_settings(store_url, **server)
    return TestClient(create_app(settings, store=store, clock=clock), client=LOOPBACK_CLIENT)


@pytest.fixture(name="auto_client")
def _auto_client(store_url: str, store: Store, clock: Clock) -> TestClient:
    """A client of an app in the default auth mode, auto."""
    return _client(store_url, store, clock)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_without_keys_loopback_clients_are_served(auto_client: TestClient) -> None:
    """In auto mode with no key yet, a loopback client needs none."""
    assert auto_client.get("/api/v1/traces").status_code == 200


def test_without_keys_remote_clients_are_refused(
    store_url: str, store: Store, clock: Clock
) -> None:
    """In auto mode with no key yet, a non-loopback client gets 401 saying how to create one."""
    app = create_app(server_settings(store_url), store=store, clock=clock)
    response = TestClient(app, client=REMOTE_CLIENT).get("/api/v1/traces")
    assert response.status_code == 401
    assert "surefoot keys create" in response.json()["error"]["message"]


def test_once_a_key_exists_it_is_required(auto_client: TestClient, keys: ApiKeys) -> None:
    """With a key in the store, a request without one gets 401 and WWW-Authenticate."""
    keys.create("ci", [ApiKeyScope.READ])
    response = auto_client.get("/api/v1/traces")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "missing_key"


def test_bearer_and_x_api_key_are_accepted(auto_client: TestClient, keys: ApiKeys) -> None:
    """A valid key is accepted in Authorization: Bearer and in x-api-key."""
    _, text = keys.create("ci", [ApiKeyScope.READ])
    assert auto_client.get("/api/v1/traces", headers=_bearer(text)).status_code == 200
    assert auto_client.get("/api/v1/traces", headers={"x-api-key": text}).status_code == 200


@pytest.mark.parametrize("wrong", ["sf_0123456789abcdef_nope", "not-a-key", "sf_x_y"])
def test_unknown_keys_are_401(auto_client: TestClient, keys: ApiKeys, wrong: str) -> None:
    """Keys that are malformed, unknown or carry a wrong secret get 401."""
    keys.create("ci", [ApiKeyScope.READ])
    response = auto_client.get("/api/v1/traces", headers=_bearer(wrong))
    assert (response.status_code, response.json()["error"]["code"]) == (401, "unknown_key")


def test_wrong_secret_for_a_real_id_is_401(auto_client: TestClient, keys: ApiKeys) -> None:
    """The right id with the wrong secret gets 401."""
    key, _ = keys.create("ci", [ApiKeyScope.READ])
    forged = f"sf_{key.key_id}_{'A' * 43}"
    assert auto_client.get("/api/v1/traces", headers=_bearer(forged)).status_code == 401


def test_missing_scope_is_403_naming_it(auto_client: TestClient, keys: ApiKeys) -> None:
    """A key without the route's scope gets 403 naming the scope to add."""
    _, text = keys.create("collector", [ApiKeyScope.INGEST])
    response = auto_client.get("/api/v1/traces", headers=_bearer(text))
    assert response.status_code == 403
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("permission_error", "missing_scope")
    assert "--scope read" in error["message"]


def test_admin_grants_every_scope(auto_client: TestClient, keys: ApiKeys) -> None:
    """An admin key passes routes of every scope."""
    _, text = keys.create("ops", [ApiKeyScope.ADMIN])
    assert auto_client.get("/api/v1/traces", headers=_bearer(text)).status_code == 200
    assert auto_client.get("/metrics", headers=_bearer(text)).status_code == 200


def test_revoked_key_stops_within_the_cache_time(
    auto_client: TestClient, keys: ApiKeys, clock: Clock
) -> None:
    """A revoked key keeps working until server.key_cache_s passes, then gets 401."""
    _, text = keys.create("ci", [ApiKeyScope.READ])
    keys.create("other", [ApiKeyScope.READ])
    assert auto_client.get("/api/v1/traces", headers=_bearer(text)).status_code == 200
    keys.revoke(text[3:19])
    assert auto_client.get("/api/v1/traces", headers=_bearer(text)).status_code == 200
    clock.now += 5.1
    response = auto_client.get("/api/v1/traces", headers=_bearer(text))
    assert (response.status_code, response.json()["error"]["code"]) == (401, "revoked_key")


def test_probes_need_no_key(auto_client: TestClient, keys: ApiKeys) -> None:
    """/healthz and /readyz answer without a key: probes carry none."""
    keys.create("ci", [ApiKeyScope.READ])
    assert auto_client.get("/healthz").status_code == 200
    assert auto_client.get("/readyz").status_code == 200


def test_auth_off_ignores_keys(store_url: str, store: Store, clock: Clock, keys: ApiKeys) -> None:
    """With server.auth = off, no key is checked even when keys exist."""
    keys.create("ci", [ApiKeyScope.READ])
    client = _client(store_url, store, clock, auth="off")
    assert client.get("/api/v1/traces").status_code == 200


def test_required_without_keys_refuses_everyone(store_url: str, store: Store, clock: Clock) -> None:
    """With server.auth = required, loopback clients need a key too."""
    client = _client(store_url, store, clock, auth="required")
    assert client.get("/api/v1/traces").status_code == 401
