"""The REST API lists traces with the CLI's filters and serves one trace or span."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from surefoot.core import (
    DecisionStatus,
    ErrorInfo,
    SpanKind,
    SpanRecord,
    SpanStatus,
    new_span_id,
    new_trace_id,
)
from surefoot.core import semconv as sc
from surefoot.store import Store

T0 = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z


def _trace(
    store: Store, *, name: str, start_ns: int, model: str = "m-1", failed: bool = False
) -> tuple[str, str]:
    trace_id, root_id, llm_id = new_trace_id(), new_span_id(), new_span_id()
    attributes = {sc.GEN_AI_REQUEST_MODEL: model}
    if name == "guarded":
        attributes[sc.SF_DECISION_STATUS] = DecisionStatus.ESCALATE.value
    store.write_spans(
        [
            SpanRecord(
                trace_id, root_id, name, kind=SpanKind.REQUEST, start_ns=start_ns,
                end_ns=start_ns + 10, status=SpanStatus.OK, input=f"question about {name}",
            ),
            SpanRecord(
                trace_id, llm_id, "chat", kind=SpanKind.LLM, parent_id=root_id,
                start_ns=start_ns + 1, end_ns=start_ns + 9, attributes=attributes,
                status=SpanStatus.ERROR if failed else SpanStatus.OK,
                error=ErrorInfo("Boom", "bad") if failed else None,
            ),
        ]
    )  # fmt: skip
    return trace_id, llm_id


@pytest.fixture(name="traces")
def _traces(store: Store) -> dict[str, str]:
    return {
        "old": _trace(store, name="old", start_ns=T0)[0],
        "failed": _trace(store, name="failed", start_ns=T0 + 10**9, failed=True)[0],
        "other": _trace(store, name="other", start_ns=T0 + 2 * 10**9, model="gpt-4o")[0],
    }


def _ids(client: TestClient, **params: object) -> list[str]:
    response = client.get("/api/v1/traces", params=params)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return [t["trace_id"] for t in response.json()["traces"]]


def test_traces_are_listed_newest_first(client: TestClient, traces: dict[str, str]) -> None:
    """Without filters every trace is listed, newest first."""
    assert _ids(client) == [traces["other"], traces["failed"], traces["old"]]


def test_status_and_model_glob_filter(client: TestClient, traces: dict[str, str]) -> None:
    """status=error and a model glob select the matching traces."""
    assert _ids(client, status="error") == [traces["failed"]]
    assert _ids(client, model="gpt-*") == [traces["other"]]


def test_since_accepts_ns_and_iso(client: TestClient, traces: dict[str, str]) -> None:
    """since and until take nanoseconds or an ISO 8601 time."""
    assert _ids(client, since=str(T0 + 10**9)) == [traces["other"], traces["failed"]]
    assert _ids(client, until="2026-01-01T00:00:01Z") == [traces["old"]]


def test_text_search_and_pagination(client: TestClient, traces: dict[str, str]) -> None:
    """q searches names and previews; limit and offset page, with next_offset."""
    assert _ids(client, q="ABOUT FAILED") == [traces["failed"]]
    page = client.get("/api/v1/traces", params={"limit": 2}).json()
    assert page["next_offset"] == 2
    assert _ids(client, limit=2, offset=2) == [traces["old"]]


def test_bad_since_is_400_naming_it(client: TestClient) -> None:
    """A since that is neither ns nor ISO gets 400 naming the parameter."""
    response = client.get("/api/v1/traces", params={"since": "yesterday"})
    assert response.status_code == 400
    assert "query.since" in response.json()["error"]["message"]


def test_trace_detail_has_summary_and_spans(client: TestClient, traces: dict[str, str]) -> None:
    """GET /traces/{id} returns the summary and every span, with the error."""
    body = client.get(f"/api/v1/traces/{traces['failed']}").json()
    assert body["summary"]["status"] == "error"
    assert [s["name"] for s in body["spans"]] == ["failed", "chat"]
    assert body["spans"][1]["error"] == {"type": "Boom", "message": "bad", "traceback": ""}


def test_one_span_is_served(client: TestClient, store: Store) -> None:
    """GET /traces/{id}/spans/{span_id} returns that span."""
    trace_id, llm_id = _trace(store, name="x", start_ns=T0)
    body = client.get(f"/api/v1/traces/{trace_id}/spans/{llm_id}").json()
    assert (body["span_id"], body["kind"]) == (llm_id, "llm")


def test_unknown_trace_and_span_are_404(client: TestClient, traces: dict[str, str]) -> None:
    """Unknown ids get 404 with a code naming what was missing."""
    missing = client.get(f"/api/v1/traces/{new_trace_id()}")
    assert missing.json()["error"]["code"] == "trace_not_found"
    span = client.get(f"/api/v1/traces/{traces['old']}/spans/{new_span_id()}")
    assert (span.status_code, span.json()["error"]["code"]) == (404, "span_not_found")


def test_malformed_trace_id_is_400(client: TestClient) -> None:
    """A trace id that is not 32 hex digits gets 400."""
    assert client.get("/api/v1/traces/XYZ").status_code == 400
