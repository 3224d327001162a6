"""An app instrumented with the OpenTelemetry SDK exports to the server; its spans can be read."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
from fastapi import FastAPI
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind as OtelKind
from opentelemetry.trace import Status, StatusCode
from tests.server.conftest import LiveServer
from typer.testing import CliRunner

from surefoot.cli import app as cli


def _instrumented_app(endpoint: str) -> tuple[str, str]:
    """Run a tiny 'application' traced by the SDK; return its trace id and llm span id."""
    provider = TracerProvider(resource=Resource.create({"service.name": "checkout"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    tracer = provider.get_tracer("shop")
    with tracer.start_as_current_span("POST /answer", kind=OtelKind.SERVER) as root:
        with tracer.start_as_current_span("chat gpt-4o-mini", kind=OtelKind.CLIENT) as llm:
            llm.set_attribute("gen_ai.operation.name", "chat")
            llm.set_attribute("gen_ai.request.model", "gpt-4o-mini")
            llm.set_attribute("gen_ai.usage.input_tokens", 12)
            llm.set_attribute("gen_ai.usage.output_tokens", 3)
        with tracer.start_as_current_span("lookup") as tool:
            tool.record_exception(KeyError("sku-42"))
            tool.set_status(Status(StatusCode.ERROR, "missing sku"))
    provider.shutdown()
    ctx = llm.get_span_context()
    assert root.get_span_context().trace_id == ctx.trace_id
    return f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}"


def test_sdk_spans_show_up_in_the_api_and_cli_list(
    app: FastAPI, live_server: Callable[[FastAPI], LiveServer], store_url: str
) -> None:
    """Spans exported by the SDK over OTLP/HTTP are served by the REST API and `traces list`."""
    server = live_server(app)
    trace_id, llm_id = _instrumented_app(f"{server.url}/v1/traces")

    detail = httpx.get(f"{server.url}/api/v1/traces/{trace_id}").json()
    assert detail["summary"]["service"] == "checkout"
    assert detail["summary"]["model"] == "gpt-4o-mini"
    assert detail["summary"]["status"] == "error"
    kinds = {s["name"]: s["kind"] for s in detail["spans"]}
    assert kinds == {"POST /answer": "request", "chat gpt-4o-mini": "llm", "lookup": "internal"}
    (failed,) = [s for s in detail["spans"] if s["name"] == "lookup"]
    assert failed["error"]["type"] == "KeyError"
    span = httpx.get(f"{server.url}/api/v1/traces/{trace_id}/spans/{llm_id}").json()
    assert span["attributes"]["gen_ai.usage.input_tokens"] == 12

    listed = CliRunner().invoke(cli, ["--store-url", store_url, "traces", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert [r["trace_id"] for r in rows] == [trace_id]


def test_sdk_trace_shows_in_cli(
    app: FastAPI, live_server: Callable[[FastAPI], LiveServer], store_url: str
) -> None:
    """`surefoot traces show` renders a trace the SDK exported."""
    server = live_server(app)
    trace_id, _ = _instrumented_app(f"{server.url}/v1/traces")
    shown = CliRunner().invoke(cli, ["--store-url", store_url, "traces", "show", trace_id])
    assert shown.exit_code == 0, shown.output
    assert "chat gpt-4o-mini" in shown.output
    assert "tokens in=12 out=3" in shown.output
