"""Liveness, readiness and the health document."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from surefoot.store import Store
from surefoot.store._migrate import VERSION_TABLE


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
