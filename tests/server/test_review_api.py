"""The review REST API: items, claims and decisions, feedback on traces, cases and promotion."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import LOOPBACK_CLIENT, server_settings

from surefoot.core import ReviewOrigin, SpanKind, SpanRecord, SpanStatus, new_span_id, new_trace_id
from surefoot.review import ReviewQueue
from surefoot.server import create_app
from surefoot.store import ApiKeys, ApiKeyScope, Store


@pytest.fixture(name="item_id")
def _item_id(store: Store) -> str:
    """One escalation waiting in the queue."""
    item = ReviewQueue(store).submit(
        ReviewOrigin.ESCALATION, "escalated: low confidence", {"input": "2+2?", "output": "5"}
    )
    return item.item_id


def _claim(client: TestClient, reviewer: str) -> str:
    response = client.post("/api/v1/review/claim", json={"reviewer": reviewer})
    assert response.status_code == 200, response.text
    item = response.json()["item"]
    assert item is not None
    return str(item["id"])


def test_list_and_get_items(client: TestClient, item_id: str) -> None:
    """Listing shows the open item; getting it returns its full context."""
    listed = client.get("/api/v1/review/items", params={"status": "open"}).json()
    assert [i["id"] for i in listed["items"]] == [item_id]
    item = client.get(f"/api/v1/review/items/{item_id}").json()
    assert item["payload"] == {"input": "2+2?", "output": "5"}


def test_unknown_item_is_404(client: TestClient) -> None:
    """An id no item has answers 404 in the error format."""
    response = client.get(f"/api/v1/review/items/{'a' * 32}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "item_not_found"


def test_claim_on_an_empty_queue_returns_null(client: TestClient) -> None:
    """With nothing to review, a claim answers 200 with no item."""
    response = client.post("/api/v1/review/claim", json={"reviewer": "ann"})
    assert (response.status_code, response.json()) == (200, {"item": None})


def test_only_the_claimant_decides_and_only_once(client: TestClient, item_id: str) -> None:
    """Another reviewer's decision and a second decision are 409s that change nothing."""
    assert _claim(client, "ann") == item_id
    url = f"/api/v1/review/items/{item_id}"
    other = client.post(f"{url}/approve", json={"reviewer": "bob"})
    assert other.status_code == 409 and "claimed by ann" in other.json()["error"]["message"]
    done = client.post(f"{url}/reject", json={"reviewer": "ann", "note": "wrong sum"})
    assert (done.status_code, done.json()["status"]) == (200, "rejected")
    again = client.post(f"{url}/approve", json={"reviewer": "ann"})
    assert again.status_code == 409 and "already decided" in again.json()["error"]["message"]


def test_correction_becomes_a_case_that_can_be_promoted(client: TestClient, item_id: str) -> None:
    """A correction is the expected output of a candidate case, which promotion curates."""
    _claim(client, "ann")
    done = client.post(
        f"/api/v1/review/items/{item_id}/correct", json={"reviewer": "ann", "correction": "4"}
    )
    assert done.json()["correction"] == "4"
    [case] = client.get("/api/v1/cases", params={"status": "candidate"}).json()["cases"]
    assert (case["input"], case["expected"]) == ("2+2?", "4")
    promoted = client.post(f"/api/v1/cases/{case['id']}/promote")
    assert (promoted.status_code, promoted.json()["status"]) == (200, "promoted")
    assert client.get("/api/v1/cases", params={"status": "candidate"}).json()["cases"] == []


def test_null_correction_is_refused(client: TestClient, item_id: str) -> None:
    """A correction without a value is a 400 and leaves the claim in place."""
    _claim(client, "ann")
    response = client.post(
        f"/api/v1/review/items/{item_id}/correct", json={"reviewer": "ann", "correction": None}
    )
    assert response.status_code == 400
    assert client.get(f"/api/v1/review/items/{item_id}").json()["status"] == "claimed"


def test_promoting_an_unknown_case_is_404(client: TestClient) -> None:
    """Promotion of a case id that does not exist answers 404."""
    assert client.post(f"/api/v1/cases/{'b' * 32}/promote").status_code == 404


def test_feedback_for_an_unknown_trace_is_404(client: TestClient) -> None:
    """Feedback naming a trace the store does not hold is refused with what to do."""
    response = client.post("/api/v1/feedback", json={"trace_id": "c" * 32, "value": 1})
    assert response.status_code == 404
    assert "send the trace id surefoot returned" in response.json()["error"]["message"]


def test_feedback_is_stored_and_listed(client: TestClient, store: Store) -> None:
    """Feedback on a stored trace is created (201) and listed for that trace."""
    trace_id = new_trace_id()
    store.write_spans(
        [SpanRecord(trace_id, new_span_id(), "req", kind=SpanKind.REQUEST, start_ns=1, end_ns=2,
                    status=SpanStatus.OK)]
    )  # fmt: skip
    body = {"trace_id": trace_id, "value": "wrong", "kind": "label", "source": "ground_truth"}
    created = client.post("/api/v1/feedback", json=body)
    assert created.status_code == 201, created.text
    listed = client.get("/api/v1/feedback", params={"trace_id": trace_id}).json()
    assert [(f["kind"], f["value"]) for f in listed["feedback"]] == [("label", "wrong")]


def test_decisions_need_the_admin_scope(store_url: str, store: Store, item_id: str) -> None:
    """A read key lists items but gets 403 on claims; an admin key may claim."""
    keys = ApiKeys(store.engine)
    _, reader = keys.create("dashboard", [ApiKeyScope.READ])
    _, admin = keys.create("lead", [ApiKeyScope.ADMIN])
    app = create_app(server_settings(store_url, auth="required"), store=store)
    with TestClient(app, client=LOOPBACK_CLIENT) as client:
        as_reader = {"Authorization": f"Bearer {reader}"}
        assert client.get("/api/v1/review/items", headers=as_reader).status_code == 200
        claim = {"reviewer": "ann"}
        refused = client.post("/api/v1/review/claim", json=claim, headers=as_reader)
        assert refused.status_code == 403
        as_admin = {"Authorization": f"Bearer {admin}"}
        assert client.post("/api/v1/review/claim", json=claim, headers=as_admin).status_code == 200
