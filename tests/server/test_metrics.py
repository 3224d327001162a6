"""/metrics exposes request latency per route and status, ingest counts and the recorder's."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.server._helpers import PROTOBUF, export_request, otlp_span
from tests.server.conftest import LOOPBACK_CLIENT

from surefoot import tracing
from surefoot.core import Settings, new_trace_id
from surefoot.server import create_app
from surefoot.store import Store


def _scrape(client: TestClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_requests_are_counted_by_route_template(client: TestClient) -> None:
    """Requests are labelled with the route template, not the raw path."""
    client.get(f"/api/v1/traces/{new_trace_id()}")
    text = _scrape(client)
    assert (
        'surefoot_http_request_duration_seconds_count{method="GET",'
        'route="/api/v1/traces/{trace_id}",status="404"} 1.0'
    ) in text


def test_unknown_paths_share_one_label(client: TestClient) -> None:
    """Unmatched paths are counted under one label, so scanners cannot explode cardinality."""
    client.get("/a")
    client.get("/b")
    assert 'route="(unmatched)",status="404"} 2.0' in _scrape(client)


def test_ingested_and_rejected_spans_are_counted(client: TestClient) -> None:
    """Stored and rejected ingest spans are counted separately."""
    bad = otlp_span()
    bad.span_id = b"\x01"
    body = export_request(otlp_span(), otlp_span(), bad).SerializeToString()
    client.post("/v1/traces", content=body, headers=PROTOBUF)
    text = _scrape(client)
    assert "surefoot_ingest_spans_stored_total 2.0" in text
    assert 'surefoot_ingest_spans_rejected_total{reason="invalid"} 1.0' in text


def test_recorder_metrics_appear_only_once_tracing_runs(client: TestClient, tmp_path: Path) -> None:
    """Recorder counters are exported only while a recorder exists, never as stand-in zeros."""
    assert "surefoot_recorder_" not in _scrape(client)
    tracing.init(
        Settings.load(
            store={"url": f"sqlite:///{tmp_path / 'own.db'}"},
            recorder={"spool_dir": tmp_path / "spool"},
        )
    )
    with tracing.span("work"):
        pass
    tracing.flush()
    text = _scrape(client)
    assert "surefoot_recorder_written_total 1.0" in text
    assert 'surefoot_recorder_dropped_total{reason="queue_full"} 0.0' in text


def test_two_apps_in_one_process_have_separate_metrics(
    app: FastAPI, settings: Settings, store: Store
) -> None:
    """A second app in the same process starts from zero and does not collide on names."""
    with TestClient(app, client=LOOPBACK_CLIENT) as first:
        first.get("/healthz")
    second = TestClient(create_app(settings, store=store), client=LOOPBACK_CLIENT)
    assert 'route="/healthz"' not in _scrape(second)
