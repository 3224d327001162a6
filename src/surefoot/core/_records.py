"""Record types shared by every part; the store persists them, the parts produce and read them.

Parts that never import each other meet through these records in the store (DESIGN.md).
Hot-path records are slotted dataclasses, not pydantic models: a span is built on every traced
call and must cost well under a microsecond to construct.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, TypeAlias

__all__ = [
    "Decision",
    "DecisionStatus",
    "ErrorInfo",
    "JSONValue",
    "SpanKind",
    "SpanRecord",
    "SpanStatus",
]

JSONValue: TypeAlias = Any
"""A value that ``json.dumps`` accepts (dicts, lists, str, int, float, bool, None)."""


class SpanKind(enum.StrEnum):
    """What a span measures."""

    REQUEST = "request"
    PROMPT = "prompt"
    RETRIEVAL = "retrieval"
    LLM = "llm"
    EMBEDDING = "embedding"
    TOOL = "tool"
    VALIDATION = "validation"
    GUARD = "guard"
    ACTION = "action"
    EVAL = "eval"
    INTERNAL = "internal"


class SpanStatus(enum.StrEnum):
    """How a span ended."""

    UNSET = "unset"
    OK = "ok"
    ERROR = "error"


class DecisionStatus(enum.StrEnum):
    """What the guard did with a result."""

    SERVE = "serve"
    SERVE_WITH_CAVEAT = "serve_with_caveat"
    FALLBACK = "fallback"
    ESCALATE = "escalate"
    REFUSED = "refused"


@dataclass(slots=True)
class ErrorInfo:
    """An exception as data: type, message and formatted traceback."""

    type: str
    message: str
    traceback: str = ""

    def as_dict(self) -> dict[str, str]:
        """The error as JSON-ready data."""
        return {"type": self.type, "message": self.message, "traceback": self.traceback}


@dataclass(slots=True)
class SpanRecord:
    """One finished span, as it travels from the tracer through processors to the store.

    Times are nanoseconds since the epoch. ``attributes`` use OpenTelemetry GenAI names where one
    exists (see :mod:`surefoot.core.semconv`). ``input`` and ``output`` hold the exact payloads,
    capped in size with an explicit truncation marker.
    """

    trace_id: str
    span_id: str
    name: str
    kind: SpanKind = SpanKind.INTERNAL
    parent_id: str | None = None
    start_ns: int = 0
    end_ns: int = 0
    status: SpanStatus = SpanStatus.UNSET
    attributes: dict[str, JSONValue] = field(default_factory=dict)
    input: JSONValue = None
    output: JSONValue = None
    error: ErrorInfo | None = None

    @property
    def duration_ns(self) -> int:
        """``end_ns - start_ns``, never negative."""
        return max(self.end_ns - self.start_ns, 0)

    @property
    def is_root(self) -> bool:
        """Whether the span starts its trace."""
        return self.parent_id is None

    def as_dict(self) -> dict[str, JSONValue]:
        """The span as JSON-ready data, enums as their values."""
        return {
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "parent_id": self.parent_id,
            "name": self.name,
            "kind": self.kind.value,
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
            "status": self.status.value,
            "attributes": self.attributes,
            "input": self.input,
            "output": self.output,
            "error": None if self.error is None else self.error.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """What the guard decided about one request, and why.

    Args:
        status: serve, serve_with_caveat, fallback, escalate or refused.
        confidence: the combined confidence score in [0, 1], when one was computed.
        reasons: short machine-readable reasons, most important first.
        caveat: the caveat text shown with a ``serve_with_caveat`` answer.
        served_by: which upstream or fallback produced the answer.
    """

    status: DecisionStatus
    confidence: float | None = None
    reasons: tuple[str, ...] = ()
    caveat: str | None = None
    served_by: str | None = None
