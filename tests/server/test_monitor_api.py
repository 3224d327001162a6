"""Monitoring over REST: records into stored profiles (ingest), alerts and incidents (read)."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient
from tests.monitor.ops import scheduler, traffic_window
from tests.server.conftest import LOOPBACK_CLIENT, server_settings

from surefoot.server import create_app
from surefoot.store import ApiKeys, ApiKeyScope, Store

T0 = 1_700_000_100 * 10**9  # on the 300 s grid


def _with_incident(store: Store) -> str:
    sched = scheduler(store)
    rng = np.random.default_rng(3)
    for w in range(5):
        traffic_window(sched, rng, drifted=w >= 4)
    return sched.incidents.incidents()[0].incident_id


def test_records_merge_into_stored_windows(client: TestClient) -> None:
    """Posted records land in the grid window of their timestamps and merge on repeat."""
    records = [{"values": {"amount": v}, "at_ns": T0} for v in (1.0, 2.0, None)]
    body = {"source": "pricing", "records": records}
    first = client.post("/api/v1/monitor/records", json=body)
    assert first.status_code == 200, first.text
    again = client.post("/api/v1/monitor/records", json=body).json()
    assert again["rows"] == 3
    assert again["windows"] == [
        {"field": "amount", "window_start_ns": T0, "window_ns": 300 * 10**9, "n": 4}
    ]


def test_a_string_in_a_numeric_field_counts_as_missing(client: TestClient) -> None:
    """A stray string in a numeric field is counted as missing instead of failing the batch."""
    first = {"source": "m", "records": [{"values": {"x": 1.0}, "at_ns": T0}] * 5}
    client.post("/api/v1/monitor/records", json=first)
    stray = {"source": "m", "records": [{"values": {"x": "n/a"}, "at_ns": T0}]}
    response = client.post("/api/v1/monitor/records", json=stray)
    assert response.status_code == 200 and response.json()["windows"][0]["n"] == 5


def test_unknown_body_fields_are_refused(client: TestClient) -> None:
    """A body with fields the API does not define is a 400 naming the field."""
    body = {"source": "m", "records": [], "columns": {"x": [1.0]}}
    response = client.post("/api/v1/monitor/records", json=body)
    assert response.status_code == 400 and "columns" in response.text


def test_incidents_list_and_show(client: TestClient, store: Store) -> None:
    """An incident is listed and shown with its alerts, timeline and deliveries."""
    incident_id = _with_incident(store)
    listed = client.get("/api/v1/incidents").json()["incidents"]
    assert [i["incident_id"] for i in listed] == [incident_id]
    shown = client.get(f"/api/v1/incidents/{incident_id}").json()
    assert len(shown["alerts"]) == 2 and shown["timeline"][0]["kind"] == "opened"
    assert shown["runbook"] and shown["deliveries"] == []


def test_alerts_filter_by_state(client: TestClient, store: Store) -> None:
    """GET /alerts?state=firing lists the firing alerts."""
    _with_incident(store)
    alerts = client.get("/api/v1/alerts", params={"state": "firing"}).json()["alerts"]
    assert {a["monitor"] for a in alerts} == {"question-length", "retrieval-score"}


def test_unknown_incident_is_404(client: TestClient) -> None:
    """An unknown incident id answers 404 naming how to list incidents."""
    response = client.get(f"/api/v1/incidents/{'0' * 32}")
    assert response.status_code == 404 and "incidents list" in response.text


def test_reads_need_read_and_writes_need_ingest(store_url: str, store: Store) -> None:
    """An ingest key may post records but not read incidents; a read key the reverse."""
    keys = ApiKeys(store.engine)
    _, ingest = keys.create("app", [ApiKeyScope.INGEST])
    _, read = keys.create("dash", [ApiKeyScope.READ])
    app = create_app(server_settings(store_url), store=store)
    client = TestClient(app, client=LOOPBACK_CLIENT)
    body = {"source": "m", "records": [{"values": {"x": 1.0}, "at_ns": T0}]}

    def post(key: str) -> int:
        headers = {"Authorization": f"Bearer {key}"}
        return client.post("/api/v1/monitor/records", json=body, headers=headers).status_code

    def get(key: str) -> int:
        return client.get(
            "/api/v1/incidents", headers={"Authorization": f"Bearer {key}"}
        ).status_code

    assert (post(ingest), get(ingest)) == (200, 403)
    assert (post(read), get(read)) == (403, 200)
