"""Response models of the REST API: they make ``/openapi.json`` complete and accurate."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from surefoot.core._records import DecisionStatus, SpanKind, SpanRecord, SpanStatus
from surefoot.store import TraceSummary

__all__ = [
    "ErrorInfoOut",
    "HealthOut",
    "SpanOut",
    "StoreHealth",
    "TraceDetail",
    "TraceList",
    "TraceSummaryOut",
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ErrorInfoOut(_Out):
    """An exception recorded on a span."""

    type: str
    message: str
    traceback: str = ""


class SpanOut(_Out):
    """One span: a step of a trace with its timings, attributes and payloads."""

    trace_id: str = Field(description="32 lower-case hex digits.")
    span_id: str = Field(description="16 lower-case hex digits.")
    parent_id: str | None = Field(description="The parent span; null for the root.")
    name: str
    kind: SpanKind
    start_ns: int = Field(description="Start, in nanoseconds since the epoch.")
    end_ns: int = Field(description="End, in nanoseconds since the epoch.")
    duration_ns: int
    status: SpanStatus
    attributes: dict[str, Any] = Field(
        description="OpenTelemetry GenAI attribute names where one exists."
    )
    input: Any = Field(None, description="The exact input (for llm spans: the prompt).")
    output: Any = None
    error: ErrorInfoOut | None = None

    @classmethod
    def of(cls, span: SpanRecord) -> SpanOut:
        """The model of a span record."""
        error = span.error
        return cls(
            trace_id=span.trace_id,
            span_id=span.span_id,
            parent_id=span.parent_id,
            name=span.name,
            kind=span.kind,
            start_ns=span.start_ns,
            end_ns=span.end_ns,
            duration_ns=span.duration_ns,
            status=span.status,
            attributes=span.attributes,
            input=span.input,
            output=span.output,
            error=None if error is None else ErrorInfoOut(**_error_fields(error)),
        )


def _error_fields(error: Any) -> dict[str, str]:
    return {"type": error.type, "message": error.message, "traceback": error.traceback}


class TraceSummaryOut(_Out):
    """One trace at a glance: totals over its spans, kept current as spans arrive."""

    trace_id: str
    name: str | None = Field(description="The root span's name; null until it has arrived.")
    service: str | None
    start_ns: int
    end_ns: int
    duration_ns: int
    status: SpanStatus = Field(description="error when any span failed, else the root's status.")
    span_count: int
    error_count: int
    model: str | None
    input_tokens: int
    output_tokens: int
    cost_usd: float
    decision: DecisionStatus | None = Field(description="The guard's decision, if one was made.")
    input_preview: str | None
    output_preview: str | None

    @classmethod
    def of(cls, row: TraceSummary) -> TraceSummaryOut:
        """The model of a trace summary."""
        return cls(
            trace_id=row.trace_id,
            name=row.name,
            service=row.service,
            start_ns=row.start_ns,
            end_ns=row.end_ns,
            duration_ns=row.duration_ns,
            status=row.status,
            span_count=row.span_count,
            error_count=row.error_count,
            model=row.model,
            input_tokens=row.input_tokens,
            output_tokens=row.output_tokens,
            cost_usd=row.cost_usd,
            decision=row.decision_status,
            input_preview=row.input_preview,
            output_preview=row.output_preview,
        )


class TraceList(_Out):
    """A page of trace summaries, newest first."""

    traces: list[TraceSummaryOut]
    limit: int
    offset: int
    next_offset: int | None = Field(
        description="Pass as offset for the next page; null at the end."
    )


class TraceDetail(_Out):
    """One trace: its summary and every span, earliest first."""

    summary: TraceSummaryOut
    spans: list[SpanOut]


class StoreHealth(_Out):
    """Whether the store answers and its schema matches this server."""

    reachable: bool
    schema_current: bool
    revision: str | None = Field(description="The schema revision found; null when unknown.")
    expected_revision: str | None = None
    detail: str | None = Field(None, description="What is wrong and how to fix it.")


class RecorderHealth(_Out):
    """Whether this process's traces reach the store."""

    store_available: bool = Field(description="Whether the recorder's last store write worked.")
    pending: int = Field(description="Spans accepted and not yet stored (disk backlog aside).")
    spool_bytes: int = Field(description="Spans waiting on disk, in bytes (0 when caught up).")
    written: int = Field(description="Spans written to the store since start.")
    lost: int = Field(
        description="Spans lost to failures since start: a full queue or spool, a failing "
        "processor, a recorder child that died. Sampling is not counted."
    )
    dead_lettered: int = Field(description="Spans the store refused, kept in the dead-letter file.")


class HealthOut(_Out):
    """The server's health: the store, the recorder, the upstreams and the ingest counters."""

    status: Literal["ok", "degraded"]
    version: str
    store: StoreHealth
    recorder: RecorderHealth | None = Field(
        None, description="This process's tracing; null when it does not trace."
    )
    upstreams: dict[str, str] = Field(
        default_factory=dict,
        description="Each gateway upstream's circuit breaker: closed, open or half_open.",
    )
    problems: list[str] = Field(
        default_factory=list, description="Why the status is degraded, each with what to do."
    )
    spans_ingested: int = Field(description="Spans stored through OTLP ingest since start.")
    spans_rejected: int = Field(description="Spans refused through OTLP ingest since start.")
