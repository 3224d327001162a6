"""A silent model upgrade shows up as a mismatch reason on the decision and the trace."""

from __future__ import annotations

from tests.guard._helpers import request, response, scripted

from surefoot.core import DecisionStatus, FakeClock, SpanKind, semconv
from surefoot.guard import Guard, Upstream
from surefoot.providers import ChatRequest, OpenAICompatibleProvider
from surefoot.testing import Fault, FaultServer, capture_traces


def test_served_model_mismatch_is_recorded() -> None:
    """The FaultServer reporting another model flags the decision and the guard span."""
    with FaultServer() as server, capture_traces() as captured:
        server.inject(Fault.served_model("m-1-2025-01-01"))
        provider = OpenAICompatibleProvider(f"{server.base_url}/v1", name="fault")
        guard = Guard([Upstream(provider, model="m-1-2024-06-01", name="fault")])
        request = ChatRequest(model="x", messages=[{"role": "user", "content": "hi"}])
        result = guard.complete(request)
        provider.close()
        spans = captured.spans
    reason = "model_mismatch:expected=m-1-2024-06-01:served=m-1-2025-01-01"
    assert result.decision.status is DecisionStatus.SERVE
    assert reason in result.decision.reasons
    [guard_span] = [sp for sp in spans if sp.kind is SpanKind.GUARD]
    assert reason in guard_span.attributes[semconv.SF_DECISION_REASONS]
    assert guard_span.trace_id == result.trace_id
    [llm] = [sp for sp in spans if sp.kind is SpanKind.LLM]
    assert llm.attributes[semconv.SF_MODEL_MISMATCH] is True


def test_the_guard_reuses_the_providers_pin_check() -> None:
    """A mismatch is judged from the provider's own check: its tracker counts the response once."""
    clock = FakeClock()
    provider, _ = scripted(clock, response("hi", model="m-1-2025-01-01"))
    guard = Guard([Upstream(provider, model="m-1-2024-06-01")], clock=clock)
    result = guard.complete(request())
    assert "model_mismatch:expected=m-1-2024-06-01:served=m-1-2025-01-01" in result.decision.reasons
    assert provider.pins.mismatches == 1


def test_a_streamed_answer_from_another_model_is_flagged_too() -> None:
    """Streams, which carry no provider check to the core, are checked against the pin as well."""
    clock = FakeClock()
    provider, _ = scripted(clock, response("hi", model="m-1-2025-01-01"))
    stream = Guard([Upstream(provider, model="m-1-2024-06-01")], clock=clock).stream(request())
    assert "".join(chunk.content or "" for chunk in stream) == "hi"
    assert stream.result is not None
    assert "model_mismatch:expected=m-1-2024-06-01:served=m-1-2025-01-01" in (
        stream.result.decision.reasons
    )
