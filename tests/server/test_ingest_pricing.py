"""Ingested model calls are priced from the price table, as surefoot's own are."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.server._helpers import PROTOBUF, export_request, otlp_span

from surefoot.core import new_trace_id
from surefoot.core import semconv as sc
from surefoot.store import Store

_CALL = {
    sc.GEN_AI_OPERATION_NAME: "chat",
    sc.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
    sc.GEN_AI_RESPONSE_MODEL: "gpt-4o-mini-2024-07-18",
    sc.GEN_AI_USAGE_INPUT_TOKENS: 120,
    sc.GEN_AI_USAGE_OUTPUT_TOKENS: 40,
}


def _ingest(client: TestClient, store: Store, attributes: dict[str, object]) -> dict[str, object]:
    trace_id = new_trace_id()
    span = otlp_span("chat gpt-4o-mini", trace_id=trace_id, attributes=attributes)
    response = client.post(
        "/v1/traces", content=export_request(span).SerializeToString(), headers=PROTOBUF
    )
    assert response.status_code == 200
    (stored,) = store.get_trace(trace_id)
    return dict(stored.attributes)


def test_an_ingested_call_with_tokens_and_no_cost_is_priced(
    client: TestClient, store: Store
) -> None:
    """OpenTelemetry instrumentations send token counts, not costs: the table gives the cost
    (gpt-4o-mini: $0.15 and $0.60 per million input and output tokens) and its version."""
    stored = _ingest(client, store, _CALL)
    assert stored[sc.SF_COST_USD] == pytest.approx(120 * 0.15e-6 + 40 * 0.60e-6)
    assert isinstance(stored[sc.SF_COST_PRICE_VERSION], str)


def test_a_cost_the_app_sent_is_kept(client: TestClient, store: Store) -> None:
    """An app that knows its own cost (a negotiated price) keeps it."""
    stored = _ingest(client, store, {**_CALL, sc.SF_COST_USD: 0.5})
    assert stored[sc.SF_COST_USD] == 0.5
    assert sc.SF_COST_PRICE_VERSION not in stored
