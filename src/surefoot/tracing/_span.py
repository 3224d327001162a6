"""Spans: the objects traced code holds while an operation runs.

The current span lives in a ``ContextVar``, so it follows asyncio tasks (a task created inside a
span sees it as parent) and stays separate per thread. Until ``init()`` installs a recorder,
:func:`span` hands out one shared no-op span, which costs a function call and nothing else.
"""

from __future__ import annotations

import asyncio
import traceback
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from surefoot.core._ids import new_span_id, new_trace_id
from surefoot.core._records import ErrorInfo, SpanKind, SpanRecord, SpanStatus
from surefoot.tracing._payload import clean_attribute, clean_into, to_jsonable
from surefoot.tracing._state import STATE

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

    from surefoot.core._records import JSONValue
    from surefoot.tracing._offload import ProcessRecorder
    from surefoot.tracing._recorder import Recorder

__all__ = ["NOOP_SPAN", "NoopSpan", "Span", "current_span", "span"]

_CURRENT: ContextVar[Span | None] = ContextVar("surefoot_current_span", default=None)

# What an exception raised without a message means, said on the span instead of nothing.
_SILENT: dict[type[BaseException], str] = {
    asyncio.CancelledError: "cancelled before it ended: its caller stopped waiting (a timeout"
    " or a client that went away)",
    TimeoutError: "timed out",
}
_UNSET: Any = object()


class Span:
    """One timed operation; use it as a (sync or async) context manager.

    An exception leaving the block is recorded (type, message, traceback; status error) and
    re-raised, never swallowed. Methods never raise: a value that is not JSON is converted.
    """

    __slots__ = ("_ended", "_recorder", "_source", "_token", "record")

    record: SpanRecord
    """The span's data, as the recorder will receive it."""

    def __init__(
        self,
        recorder: Recorder | ProcessRecorder,
        name: str,
        kind: SpanKind,
        attributes: Mapping[str, Any] | None,
        input: Any,
    ) -> None:
        parent = _CURRENT.get()
        if parent is None:
            trace_id, parent_id = new_trace_id(), None
        else:
            trace_id, parent_id = parent.record.trace_id, parent.record.span_id
        attrs: dict[str, JSONValue] = {}
        if attributes:
            clean_into(attrs, attributes)
        if input is _UNSET or not STATE.capture_payloads:
            payload = self._source = None
        else:
            payload = _snapshot(input, parent)
            self._source = input
        self.record = SpanRecord(
            trace_id, new_span_id(), name, kind, parent_id, recorder.now_ns(), 0,
            SpanStatus.UNSET, attrs, payload,
        )  # fmt: skip
        self._recorder: Recorder | ProcessRecorder | None = recorder
        self._token: Token[Span | None] | None = None
        self._ended = False

    @property
    def trace_id(self) -> str:
        """The 32-hex-digit id of the trace this span belongs to."""
        return self.record.trace_id

    @property
    def span_id(self) -> str:
        """The 16-hex-digit id of this span."""
        return self.record.span_id

    @property
    def is_recording(self) -> bool:
        """Whether what is set on this span will be recorded."""
        return not self._ended

    def set_attribute(self, key: str, value: Any) -> None:
        """Set one attribute; non-JSON values are converted (and counted), keys made strings."""
        if not self._ended:
            self.record.attributes[str(key)] = clean_attribute(key, value)

    def set_attributes(self, attributes: Mapping[str, Any]) -> None:
        """Set several attributes at once."""
        if not self._ended:
            clean_into(self.record.attributes, attributes)

    def set_input(self, value: Any) -> None:
        """Record the operation's exact input (a JSON-safe snapshot, capped in size later)."""
        if not self._ended and STATE.capture_payloads:
            self.record.input = to_jsonable(value)
            self._source = value

    def set_output(self, value: Any) -> None:
        """Record the operation's exact output (a JSON-safe snapshot, capped in size later)."""
        if not self._ended and STATE.capture_payloads:
            self.record.output = to_jsonable(value)

    def set_status(self, status: SpanStatus) -> None:
        """Set how the span ended; by default ``ok``, or ``error`` when an exception escapes."""
        if not self._ended:
            self.record.status = status

    def record_error(self, exc: BaseException) -> None:
        """Record ``exc`` (type, message, traceback) and mark the span as failed."""
        if self._ended:
            return
        try:
            text = "".join(traceback.format_exception(exc))
            message = str(exc) or _SILENT.get(type(exc), "")
        except Exception:  # a broken __str__ on a user exception must not escape
            text, message = "", f"<unprintable {type(exc).__qualname__}>"
        self.record.error = ErrorInfo(type(exc).__qualname__, message, text)
        self.record.status = SpanStatus.ERROR

    def end(self) -> None:
        """End the span now; it is handed to the recorder. Later calls do nothing."""
        if self._ended or self._recorder is None:
            return
        self._ended = True
        self._source = None  # the caller's object is not held past the span's end
        record = self.record
        record.end_ns = self._recorder.now_ns()
        if record.status is SpanStatus.UNSET:
            record.status = SpanStatus.OK
        self._recorder.enqueue(record)

    def __enter__(self) -> Span:
        self._token = _CURRENT.set(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None and exc_type is not GeneratorExit:
            self.record_error(exc)
        self.end()
        self._detach()

    async def __aenter__(self) -> Span:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def _detach(self) -> None:
        token, self._token = self._token, None
        if token is None:
            return
        try:
            _CURRENT.reset(token)
        except ValueError:
            # Exited in another context than it was entered (an async generator finalised
            # elsewhere); that context never saw this span as current: nothing to undo.
            return

    def __repr__(self) -> str:
        rec = self.record
        return f"<Span {rec.name!r} {rec.kind.value} trace={rec.trace_id} span={rec.span_id}>"


def _snapshot(value: Any, parent: Span | None) -> JSONValue:
    """The span's input snapshot: its parent's when both were given the same object and it has
    not changed since, else a JSON-safe copy of ``value``.

    A guard span and the model call under it are given the same messages. Sharing one snapshot
    skips the second copy here, and the pipe, the spool and the store carry one prompt for the
    two spans (the store writes the second as a reference to the first). The identity test
    keeps apart values that compare equal but are not the same JSON (``1`` and ``1.0``); the
    comparison catches a list changed in place in between.
    """
    if parent is not None and value is parent._source:
        shared = parent.record.input
        try:
            if shared is not None and value == shared:
                return shared
        except Exception:  # an element whose comparison raises (an array): copy it instead
            pass
    return to_jsonable(value)


class NoopSpan(Span):
    """The span handed out while tracing is not initialised or is off; records nothing."""

    __slots__ = ()

    def __init__(self) -> None:
        self.record = SpanRecord("0" * 32, "0" * 16, "")
        self._recorder = None
        self._source = None
        self._token = None
        self._ended = True

    @property
    def is_recording(self) -> bool:
        return False

    def __enter__(self) -> Span:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def __repr__(self) -> str:
        return "<NoopSpan>"


NOOP_SPAN = NoopSpan()


def span(
    name: str,
    kind: SpanKind = SpanKind.INTERNAL,
    *,
    attributes: Mapping[str, Any] | None = None,
    input: Any = _UNSET,
) -> Span:
    """Start a span; use it as ``with tracing.span("name") as sp:`` (or ``async with``).

    Args:
        name: what the operation is, low-cardinality (``"chat gpt-4o"``, not a user's prompt).
        kind: what the span measures.
        attributes: initial attributes, OpenTelemetry GenAI names where one exists.
        input: the operation's input, captured exactly (JSON-safe, capped in size).

    Returns:
        The span, or a shared no-op span until ``init()``.
    """
    recorder = STATE.recorder
    if recorder is None:
        return NOOP_SPAN
    return Span(recorder, name, kind, attributes, input)


def current_span() -> Span:
    """The span of the enclosing ``with tracing.span(...)`` block, or a no-op span."""
    current = _CURRENT.get()
    return NOOP_SPAN if current is None else current
