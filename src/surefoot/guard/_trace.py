"""Every call from the guard into :mod:`surefoot.tracing` goes through here.

Keeping them in one module makes a change of the tracing API one edit, and lets the guard run
untraced (as no-ops) where tracing is not installed.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from surefoot import tracing
from surefoot.core import semconv as sc
from surefoot.core._records import Decision, SpanKind

if TYPE_CHECKING:
    from collections.abc import Iterator

    from surefoot.guard._validators import ValidationResult

__all__ = [
    "attempt_span",
    "current_trace_id",
    "guard_span",
    "record_decision",
    "record_validation",
    "validation_span",
]

_log = logging.getLogger("surefoot.guard")


class _NoSpan:
    trace_id: str | None = None

    def set_attribute(self, key: str, value: Any) -> None: ...
    def set_output(self, value: Any) -> None: ...
    def record_error(self, exc: BaseException) -> None: ...


def _span(name: str, **kwargs: Any) -> Any:
    span = getattr(tracing, "span", None)
    return nullcontext(_NoSpan()) if span is None else span(name, **kwargs)


@contextmanager
def guard_span(name: str, request_input: Any) -> Iterator[Any]:
    """The ``guard`` span of one request; attempts and validations are its children."""
    with _span(f"guard {name}", kind=SpanKind.GUARD, input=request_input) as span:
        yield span


@contextmanager
def attempt_span(upstream: str, number: int, timeout_s: float) -> Iterator[Any]:
    """The span of one attempt; the provider's ``llm`` span nests inside it."""
    attributes = {sc.SF_UPSTREAM: upstream, sc.SF_ATTEMPT: number, "surefoot.timeout_s": timeout_s}
    with _span(f"attempt {number} {upstream}", kind=SpanKind.INTERNAL, attributes=attributes) as sp:
        yield sp


@contextmanager
def validation_span(on_fail: str) -> Iterator[Any]:
    """The ``validation`` span of one validator run."""
    with _span(
        "validation", kind=SpanKind.VALIDATION, attributes={"surefoot.on_fail": on_fail}
    ) as sp:
        yield sp


def record_validation(span: Any, result: ValidationResult) -> None:
    """Put a validation outcome on its span."""
    span.set_attribute("surefoot.validation.name", result.name)
    span.set_attribute("surefoot.validation.ok", result.ok)
    if result.errors:
        span.set_attribute("surefoot.validation.errors", list(result.errors))


def record_decision(span: Any, decision: Decision) -> None:
    """Record the decision on the guard span, through tracing's own helper when it has one."""
    record = getattr(tracing, "record_decision", None)
    if record is not None:
        record(span, decision)
        return
    span.set_attribute(sc.SF_DECISION_STATUS, decision.status.value)
    span.set_attribute(sc.SF_DECISION_REASONS, list(decision.reasons))
    if decision.confidence is not None:
        span.set_attribute(sc.SF_DECISION_CONFIDENCE, decision.confidence)
    if decision.served_by is not None:
        span.set_attribute(sc.SF_DECISION_SERVED_BY, decision.served_by)


def current_trace_id(span: Any) -> str | None:
    """The trace id of ``span``, ``None`` when untraced."""
    trace_id = getattr(span, "trace_id", None)
    return trace_id if isinstance(trace_id, str) else None
