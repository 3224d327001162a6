"""Liveness, readiness and the health document."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.server.conftest import LOOPBACK_CLIENT

from surefoot.core import Settings
from surefoot.guard import CircuitBreaker, Guard, StopAfterAttempts, Upstream
from surefoot.providers import OpenAICompatibleProvider
from surefoot.server import create_app
from surefoot.store import Store
from surefoot.store._migrate import VERSION_TABLE
from surefoot.testing import Fault, FaultServer, capture_traces


def test_healthz_is_ok(client: TestClient) -> None:
    """/healthz answers 200 while the process serves."""
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_ok_with_a_current_store(client: TestClient) -> None:
    """/readyz answers 200 when the store is reachable and current."""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["schema_current"] is True


def test_readyz_is_503_when_the_schema_is_behind(client: TestClient, store: Store) -> None:
    """/readyz answers 503 naming `surefoot db upgrade` when the schema is not current."""
    with store.engine.begin() as conn:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = 'old'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "surefoot db upgrade" in response.json()["error"]["message"]


def test_health_reports_ingest_counts(client: TestClient) -> None:
    """/api/v1/health reports the store and the ingest counters."""
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["store"]["reachable"] is True
    assert body["spans_ingested"] == 0


def test_health_is_degraded_naming_what_to_fix_when_the_schema_is_behind(
    client: TestClient, store: Store
) -> None:
    """A store that is not ready is a problem listed with its fix."""
    with store.engine.begin() as conn:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = 'old'"))
    body = client.get("/api/v1/health").json()
    assert body["status"] == "degraded"
    assert any("surefoot db upgrade" in problem for problem in body["problems"])


def test_health_names_an_upstream_whose_breaker_opened(settings: Settings, store: Store) -> None:
    """A gateway upstream resting after failures shows in ``upstreams`` and ``problems``."""
    with FaultServer() as upstream:
        upstream.inject(Fault.unavailable(), times=10)
        provider = OpenAICompatibleProvider(upstream.base_url, None, name="flaky")
        breaker = CircuitBreaker("flaky", min_calls=1, cool_down_s=60)
        guard = Guard(
            [Upstream(provider, name="flaky", breaker=breaker)], stop=StopAfterAttempts(1)
        )
        app = create_app(settings, store=store, guard=guard)
        with TestClient(app, client=LOOPBACK_CLIENT) as client:
            client.post(
                "/v1/chat/completions",
                json={"model": "m", "messages": [{"role": "user", "content": "x"}]},
            )
            body = client.get("/api/v1/health").json()
    assert body["upstreams"] == {"flaky": "open"}
    assert body["status"] == "degraded"
    assert any(
        "'flaky'" in problem and "breaker is open" in problem for problem in body["problems"]
    )


def test_health_reports_the_recorder_of_a_tracing_process(client: TestClient) -> None:
    """With tracing on, the recorder's state is in the document; without it, null."""
    assert client.get("/api/v1/health").json()["recorder"] is None
    with capture_traces():
        recorder = client.get("/api/v1/health").json()["recorder"]
    assert recorder["store_available"] is True and recorder["lost"] == 0
