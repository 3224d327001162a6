"""Property-based fuzzing of every API operation from the server's own OpenAPI spec.

Driven through hypothesis directly rather than schemathesis' pytest plugin, whose fixture
integration does not support this pytest version.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.result import Ok

from surefoot.core import Settings
from surefoot.guard import Guard
from surefoot.providers import CallableProvider, EmbeddingRequest, EmbeddingResponse
from surefoot.server import create_app
from surefoot.store import Store

EXAMPLES_PER_OPERATION = 30


class _Embedding(CallableProvider):
    """Answers chat with its handler and embeddings with one fixed vector per text."""

    def _embed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        return EmbeddingResponse(request.model, tuple((0.6, 0.8) for _ in request.input))


def _excluded(case: schemathesis.Case[Any]) -> list[Any]:
    # The ingest body's format is the OTLP specification, which the spec only names: a
    # schema-valid JSON object may still not be an OTLP request, and is rightly refused.
    return [positive_data_acceptance] if case.path == "/v1/traces" else []


def test_operations_conform_and_never_fail(settings: Settings, store: Store) -> None:
    """Generated requests never get a 5xx, and every answer matches the documented schema."""
    guard = Guard([_Embedding(lambda request: "ok")], deadline_s=5)
    app = create_app(settings, store=store, guard=guard)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results), "the OpenAPI spec has invalid operations"
    assert len(operations) >= 7
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(excluded_checks=_excluded(case))

        check()
