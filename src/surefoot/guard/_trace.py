"""Every call from the guard into :mod:`surefoot.tracing` goes through here.

Keeping them in one module makes a change of the tracing API one edit. Until
``surefoot.tracing.init()`` the spans are shared no-ops and cost next to nothing.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from surefoot import tracing
from surefoot.core import semconv as sc
from surefoot.core._records import Decision, SpanKind

if TYPE_CHECKING:
    from collections.abc import Iterator

    from surefoot.guard._validators import ValidationResult

__all__ = [
    "attempt_span",
    "guard_span",
    "record_decision",
    "record_validation",
    "trace_id_of",
    "validation_span",
]

Span = tracing.Span


@contextmanager
def guard_span(name: str, request_input: Any) -> Iterator[Span]:
    """The ``guard`` span of one request; attempts and validations are its children."""
    with tracing.span(name, kind=SpanKind.GUARD, input=request_input) as span:
        yield span


@contextmanager
def attempt_span(upstream: str, number: int, timeout_s: float) -> Iterator[Span]:
    """The span of one attempt; the provider's ``llm`` span nests inside it."""
    attributes = {sc.SF_UPSTREAM: upstream, sc.SF_ATTEMPT: number, "surefoot.timeout_s": timeout_s}
    with tracing.span(f"attempt {upstream}", attributes=attributes) as span:
        yield span


@contextmanager
def validation_span(on_fail: str) -> Iterator[Span]:
    """The ``validation`` span of one validator run."""
    attributes = {"surefoot.validation.on_fail": on_fail}
    with tracing.span("validation", kind=SpanKind.VALIDATION, attributes=attributes) as span:
        yield span


def record_validation(span: Span, result: ValidationResult) -> None:
    """Put a validation outcome on its span."""
    if not span.is_recording:
        return
    span.set_attribute("surefoot.validation.name", result.name)
    span.set_attribute("surefoot.validation.ok", result.ok)
    if result.errors:
        span.set_attribute("surefoot.validation.errors", list(result.errors))


def record_decision(span: Span, decision: Decision) -> None:
    """Record the decision on the guard span."""
    if span.is_recording:
        tracing.record_decision(span, decision)


def trace_id_of(span: Span) -> str | None:
    """The trace id of ``span``; ``None`` when untraced."""
    return span.trace_id if span.is_recording else None
