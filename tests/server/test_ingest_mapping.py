"""OTLP spans map onto span records: kinds, GenAI names, payloads, errors and service."""

from __future__ import annotations

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.trace.v1 import trace_pb2
from tests.server._helpers import export_request, key_values, otlp_span

from surefoot.core import ErrorInfo, SpanKind, SpanRecord, SpanStatus, new_span_id, new_trace_id
from surefoot.core import semconv as sc
from surefoot.server._otlp_spans import map_export_request
from surefoot.tracing._otlp_mapping import to_otlp_proto


def _one(span: trace_pb2.Span) -> SpanRecord:
    batch = map_export_request(export_request(span))
    assert batch.rejected == 0
    (record,) = batch.spans
    return record


def test_genai_operation_names_set_the_kind() -> None:
    """chat and text_completion are llm spans, embeddings embedding, execute_tool tool."""
    expected = {
        "chat": SpanKind.LLM,
        "text_completion": SpanKind.LLM,
        "embeddings": SpanKind.EMBEDDING,
        "execute_tool": SpanKind.TOOL,
    }
    for operation, kind in expected.items():
        span = otlp_span(attributes={sc.GEN_AI_OPERATION_NAME: operation})
        assert _one(span).kind is kind, operation


def test_openinference_kinds_set_the_kind() -> None:
    """OpenInference span kinds map onto surefoot's kinds."""
    expected = {
        "LLM": SpanKind.LLM,
        "RETRIEVER": SpanKind.RETRIEVAL,
        "EMBEDDING": SpanKind.EMBEDDING,
        "TOOL": SpanKind.TOOL,
        "CHAIN": SpanKind.INTERNAL,
        "AGENT": SpanKind.REQUEST,
    }
    for oi_kind, kind in expected.items():
        span = otlp_span(attributes={"openinference.span.kind": oi_kind})
        assert _one(span).kind is kind, oi_kind


def test_server_spans_without_genai_attributes_are_requests() -> None:
    """An OTLP SERVER span is a request; other spans without hints are internal."""
    assert _one(otlp_span(kind=2)).kind is SpanKind.REQUEST
    assert _one(otlp_span(kind=1)).kind is SpanKind.INTERNAL


def test_openinference_attributes_are_renamed_to_genai() -> None:
    """Model name and token counts move to their GenAI names."""
    record = _one(
        otlp_span(
            attributes={
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o-mini",
                "llm.token_count.prompt": 11,
                "llm.token_count.completion": 4,
            }
        )
    )
    assert record.attributes[sc.GEN_AI_REQUEST_MODEL] == "gpt-4o-mini"
    assert record.attributes[sc.GEN_AI_USAGE_INPUT_TOKENS] == 11
    assert record.attributes[sc.GEN_AI_USAGE_OUTPUT_TOKENS] == 4
    assert "llm.model_name" not in record.attributes


def test_openinference_input_messages_become_the_prompt() -> None:
    """Flattened llm.input_messages become the llm span's input as a message list."""
    record = _one(
        otlp_span(
            attributes={
                "openinference.span.kind": "LLM",
                "llm.input_messages.0.message.role": "system",
                "llm.input_messages.0.message.content": "Be brief.",
                "llm.input_messages.1.message.role": "user",
                "llm.input_messages.1.message.content": "hi",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.content": "hello",
                "input.value": '{"raw": true}',
            }
        )
    )
    assert record.input == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
    ]
    assert record.output == [{"role": "assistant", "content": "hello"}]
    assert record.attributes["input.value"] == '{"raw": true}'


def test_input_and_output_values_become_payloads() -> None:
    """input.value and output.value become the input and output, JSON text parsed."""
    record = _one(otlp_span(attributes={"input.value": '{"q": "why"}', "output.value": "because"}))
    assert (record.input, record.output) == ({"q": "why"}, "because")


def test_exception_event_becomes_the_error() -> None:
    """An exception event's type, message and stacktrace become the span's error."""
    event = trace_pb2.Span.Event(
        name="exception",
        attributes=key_values(
            {
                "exception.type": "TimeoutError",
                "exception.message": "no answer",
                "exception.stacktrace": "Traceback ...",
            }
        ),
    )
    record = _one(otlp_span(status_code=2, events=[event]))
    assert record.status is SpanStatus.ERROR
    assert record.error == ErrorInfo("TimeoutError", "no answer", "Traceback ...")


def test_attribute_values_become_json() -> None:
    """Arrays, key-value lists, bytes and doubles become JSON values."""
    record = _one(otlp_span(attributes={"a": [1, "x"], "kv": {"k": True}, "b": b"\x01", "d": 0.5}))
    assert record.attributes["a"] == [1, "x"]
    assert record.attributes["kv"] == {"k": True}
    assert record.attributes["b"] == "AQ=="
    assert record.attributes["d"] == 0.5


def test_surefoot_export_round_trips() -> None:
    """Spans exported by surefoot's own OTLP exporter come back as the same records."""
    trace_id, root_id = new_trace_id(), new_span_id()
    original = [
        SpanRecord(
            trace_id=trace_id,
            span_id=root_id,
            name="answer",
            kind=SpanKind.REQUEST,
            start_ns=10,
            end_ns=50,
            status=SpanStatus.OK,
            attributes={"service.name": "svc"},
            input={"question": "hi"},
            output="hello",
        ),
        SpanRecord(
            trace_id=trace_id,
            span_id=new_span_id(),
            parent_id=root_id,
            name="chat m",
            kind=SpanKind.LLM,
            start_ns=20,
            end_ns=40,
            status=SpanStatus.ERROR,
            attributes={sc.GEN_AI_REQUEST_MODEL: "m", "service.name": "svc"},
            input=[{"role": "user", "content": "hi"}],
            error=ErrorInfo("ProviderTimeout", "slow", "tb"),
        ),
    ]
    request = trace_service_pb2.ExportTraceServiceRequest.FromString(to_otlp_proto(original, "svc"))
    assert map_export_request(request).spans == original
