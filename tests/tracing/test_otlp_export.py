"""Spans are exported over OTLP/HTTP (protobuf and JSON) beside the store."""

from __future__ import annotations

import pytest
from tests._plugins.tracing import Collector

from surefoot import tracing
from surefoot.core import ErrorInfo, SpanKind, SpanRecord, SpanStatus
from surefoot.tracing import ExportResult, OtlpExporter


def llm_span() -> SpanRecord:
    return SpanRecord(
        "ab" * 16, "cd" * 8, "chat", SpanKind.LLM, "ef" * 8, 10, 20, SpanStatus.ERROR,
        {"gen_ai.request.model": "gpt-4o", "n": 3, "t": 0.5, "ok": True, "l": [1, 2]},
        {"q": "hi"}, "answer", ErrorInfo("TimeoutError", "slow", "tb"),
    )  # fmt: skip


def test_protobuf_export_maps_every_field(collector: Collector) -> None:
    """An exported span decodes with its ids, times, kind, status, typed attributes and error."""
    exporter = OtlpExporter(collector.url, headers={"x-api-key": "k"}, service_name="svc")
    assert exporter.export([llm_span()]) is ExportResult.SUCCESS
    ((resource_spans, span),) = collector.proto_spans()
    assert resource_spans.resource.attributes[0].value.string_value == "svc"
    assert span.trace_id.hex() == "ab" * 16
    assert span.parent_span_id.hex() == "ef" * 8
    assert (span.start_time_unix_nano, span.end_time_unix_nano) == (10, 20)
    assert span.kind == 3  # CLIENT
    assert span.status.code == 2
    attrs = {kv.key: kv.value for kv in span.attributes}
    assert attrs["n"].int_value == 3
    assert attrs["t"].double_value == 0.5
    assert attrs["ok"].bool_value
    assert [v.int_value for v in attrs["l"].array_value.values] == [1, 2]
    assert attrs["surefoot.output"].string_value == "answer"
    assert span.events[0].name == "exception"
    assert collector.requests[0][2]["x-api-key"] == "k"
    exporter.shutdown()


def test_json_export_uses_hex_ids_and_string_ints(collector: Collector) -> None:
    """OTLP/JSON carries hex ids and int64 values as strings."""
    exporter = OtlpExporter(collector.url, protocol="http/json")
    assert exporter.export([llm_span()]) is ExportResult.SUCCESS
    span = collector.json_bodies()[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert span["traceId"] == "ab" * 16
    assert span["startTimeUnixNano"] == "10"
    attrs = {a["key"]: a["value"] for a in span["attributes"]}
    assert attrs["n"] == {"intValue": "3"}
    exporter.shutdown()


@pytest.mark.parametrize("status", [500, 404])
def test_error_answers_are_failures(collector: Collector, status: int) -> None:
    """A non-2xx answer is a FAILURE result, not an exception."""
    collector.status = status
    exporter = OtlpExporter(collector.url)
    assert exporter.export([llm_span()]) is ExportResult.FAILURE
    exporter.shutdown()


def test_recorder_exports_beside_the_store(settings_factory, sink, collector) -> None:
    """With otlp.endpoint set, spans reach both the store and the collector."""
    tracing.init(settings_factory(otlp={"endpoint": collector.url}), sink=sink)
    with tracing.span("one"):
        pass
    assert tracing.flush()
    assert len(sink.spans) == 1
    assert len(collector.proto_spans()) == 1
    assert tracing.stats().exported == 1


def test_unreachable_collector_is_counted_and_store_unaffected(settings_factory, sink) -> None:
    """Export failures are counted; the store still gets every span."""
    tracing.init(settings_factory(otlp={"endpoint": "http://127.0.0.1:9/v1/traces"}), sink=sink)
    with tracing.span("one"):
        pass
    tracing.flush()
    assert len(sink.spans) == 1
    assert tracing.stats().export_failures == 1
