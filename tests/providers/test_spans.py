"""Every provider call leaves one llm or embedding span with GenAI attributes."""

from __future__ import annotations

import pytest

from surefoot.core import ProviderUnavailable, SpanKind, SpanStatus, semconv
from surefoot.providers import ChatRequest, EmbeddingRequest, OpenAICompatibleProvider
from surefoot.testing import Fault, FaultServer, capture_traces

MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.fixture(name="provider")
def _provider(fault_server: FaultServer):
    with OpenAICompatibleProvider(fault_server.base_url, "sk-secret", name="up") as provider:
        yield provider


def test_a_chat_call_is_one_llm_span(provider: OpenAICompatibleProvider) -> None:
    """The span carries operation, provider, pin, served model, usage, prompt and output."""
    with capture_traces() as captured:
        provider.complete(ChatRequest(model="m-1", messages=MESSAGES, temperature=0.0))
    [span] = captured.spans
    attrs = span.attributes
    assert (span.kind, span.name, span.status) == (SpanKind.LLM, "chat m-1", SpanStatus.OK)
    assert attrs[semconv.GEN_AI_OPERATION_NAME] == "chat"
    assert attrs[semconv.GEN_AI_PROVIDER_NAME] == "up"
    assert attrs[semconv.GEN_AI_REQUEST_MODEL] == attrs[semconv.GEN_AI_RESPONSE_MODEL] == "m-1"
    assert attrs[semconv.GEN_AI_REQUEST_TEMPERATURE] == 0.0
    assert attrs[semconv.GEN_AI_RESPONSE_FINISH_REASONS] == ["stop"]
    assert attrs[semconv.GEN_AI_USAGE_OUTPUT_TOKENS] == 2
    assert attrs[semconv.SF_MODEL_FINGERPRINT] == "fp_surefoot_fault"
    assert attrs[semconv.SF_MODEL_MISMATCH] is False
    assert span.input == MESSAGES and span.output == "echo: hello"


def test_a_served_model_mismatch_is_on_the_span(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """A silent upgrade sets surefoot.model.mismatch with served and pinned ids side by side."""
    fault_server.inject(Fault.served_model("m-1-2025-02-02"))
    with capture_traces() as captured:
        provider.complete(ChatRequest(model="m-1-2024-01-01", messages=MESSAGES))
    attrs = captured.spans[0].attributes
    assert attrs[semconv.SF_MODEL_MISMATCH] is True
    assert attrs[semconv.GEN_AI_RESPONSE_MODEL] == "m-1-2025-02-02"
    assert attrs[semconv.SF_MODEL_PIN] == "m-1-2024-01-01"


def test_failures_are_recorded_on_the_span(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """A failed call leaves an error span with the mapped error type."""
    fault_server.inject(Fault.unavailable())
    with capture_traces() as captured, pytest.raises(ProviderUnavailable):
        provider.complete(ChatRequest(model="m-1", messages=MESSAGES))
    [span] = captured.spans
    assert span.status is SpanStatus.ERROR and span.error is not None
    assert span.error.type == "ProviderUnavailable"


def test_a_stream_is_one_span_with_the_whole_output(provider: OpenAICompatibleProvider) -> None:
    """Streaming records a single span whose output is the joined text."""
    with capture_traces() as captured:
        list(provider.stream(ChatRequest(model="m-1", messages=MESSAGES)))
    [span] = captured.spans
    assert span.output == "echo: hello" and span.attributes[semconv.SF_STREAMING] is True


def test_the_api_key_never_reaches_a_span(provider: OpenAICompatibleProvider) -> None:
    """No attribute, input or output holds the API key."""
    with capture_traces() as captured:
        provider.complete(ChatRequest(model="m-1", messages=MESSAGES))
    assert "sk-secret" not in repr(captured.spans)


def test_embeddings_get_an_embedding_span(provider: OpenAICompatibleProvider) -> None:
    """An embed call is one embedding span with the texts as input."""
    with capture_traces() as captured:
        provider.embed(EmbeddingRequest(model="e-1", input=["a", "b"]))
    [span] = captured.spans
    assert (span.kind, span.input, span.output) == (SpanKind.EMBEDDING, ["a", "b"], {"vectors": 2})


def test_a_callers_attributes_go_on_the_call_span(provider: OpenAICompatibleProvider) -> None:
    """What the caller passes (the guard: upstream and attempt) lands on the llm span."""
    request = ChatRequest(model="m-1", messages=MESSAGES)
    with capture_traces() as captured:
        provider.complete_checked(request, attributes={semconv.SF_ATTEMPT: 2})
        list(provider.stream(request, attributes={semconv.SF_ATTEMPT: 3}))
    assert [span.attributes[semconv.SF_ATTEMPT] for span in captured.spans] == [2, 3]
