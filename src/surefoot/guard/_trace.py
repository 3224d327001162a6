"""Every call from the guard into :mod:`surefoot.tracing` goes through here.

Keeping them in one module makes a change of the tracing API one edit. Until
``surefoot.tracing.init()`` the spans are one shared no-op: nothing below builds attributes or
copies the prompt unless the span records, so an untraced request pays a few calls and no more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from surefoot import tracing
from surefoot.core import semconv as sc
from surefoot.core._records import Decision, SpanKind

if TYPE_CHECKING:
    from surefoot.guard._validators import ValidationResult
    from surefoot.providers import ChatRequest

__all__ = [
    "attempt_attributes",
    "guard_span",
    "record_decision",
    "record_validation",
    "recording",
    "trace_id_of",
    "validation_span",
]

Span = tracing.Span


# Whether spans record now; when not, callers may skip opening them at all. The function
# itself, not a wrapper: it is asked twice per guarded call.
recording = tracing.is_initialised


def guard_span(name: str, request: ChatRequest) -> Span:
    """The ``guard`` span of one request (input: its messages; output, at the end, what it
    served); enter it with ``with``."""
    span = tracing.span(name, kind=SpanKind.GUARD)
    if span.is_recording:
        span.set_input(request.messages)  # set_input takes a JSON-safe copy at once
    return span


def attempt_attributes(upstream: str, number: int, timeout_s: float) -> dict[str, Any]:
    """What the guard adds to the provider's ``llm`` span of one attempt.

    Each attempt is recorded on the span of its model call, not on a span of its own, as
    OpenTelemetry records each resend of an HTTP request as its own client span: a guard span
    with one model call is two spans, not three (a third of what the recorder stores and
    writes per gateway request).
    """
    return {sc.SF_UPSTREAM: upstream, sc.SF_ATTEMPT: number, sc.SF_TIMEOUT_S: timeout_s}


def validation_span(on_fail: str) -> Span:
    """The ``validation`` span of one validator run."""
    span = tracing.span("validation", kind=SpanKind.VALIDATION)
    if span.is_recording:
        span.set_attribute("surefoot.validation.on_fail", on_fail)
    return span


def record_validation(span: Span, result: ValidationResult) -> None:
    """Put a validation outcome on its span."""
    if not span.is_recording:
        return
    span.set_attribute("surefoot.validation.name", result.name)
    span.set_attribute("surefoot.validation.ok", result.ok)
    if result.errors:
        span.set_attribute("surefoot.validation.errors", list(result.errors))


def record_decision(span: Span, decision: Decision, served: str) -> None:
    """Record the decision on the guard span, and what it served (a model's answer or a
    fallback's text) as the span's output; nothing when it served no text."""
    if span.is_recording:
        tracing.record_decision(span, decision)
        if served:
            span.set_output(served)


def trace_id_of(span: Span) -> str | None:
    """The trace id of ``span``; ``None`` when untraced."""
    return span.trace_id if span.is_recording else None
