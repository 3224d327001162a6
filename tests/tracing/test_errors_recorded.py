"""An exception leaving a span is recorded with type, message and traceback, then re-raised."""

from __future__ import annotations

import asyncio

import pytest

from surefoot import tracing
from surefoot.core import ErrorInfo, SpanRecord, SpanStatus


@pytest.fixture(autouse=True)
def _init(settings_factory, sink) -> None:
    tracing.init(settings_factory(), sink=sink)


def only_error(sink) -> ErrorInfo:
    error = only_span(sink).error
    assert error is not None
    return error


def only_span(sink) -> SpanRecord:
    assert tracing.flush()
    (span,) = sink.spans
    assert isinstance(span, SpanRecord)
    return span


def test_exception_is_reraised_and_recorded(sink) -> None:
    """The exception propagates unchanged and the span carries it."""
    with pytest.raises(KeyError), tracing.span("lookup"):
        raise KeyError("missing")
    span = only_span(sink)
    assert span.status is SpanStatus.ERROR
    assert span.error is not None
    assert span.error.type == "KeyError"
    assert "missing" in span.error.message
    assert "raise KeyError" in span.error.traceback


async def test_exception_in_async_block_is_recorded(sink) -> None:
    """``async with`` records and re-raises like ``with``."""
    with pytest.raises(ValueError, match="bad"):
        async with tracing.span("a"):
            raise ValueError("bad")
    assert only_error(sink).type == "ValueError"


def test_clean_exit_is_ok(sink) -> None:
    """A block that finishes normally ends with status ok and no error."""
    with tracing.span("fine"):
        pass
    span = only_span(sink)
    assert span.status is SpanStatus.OK
    assert span.error is None


def test_record_error_without_raising(sink) -> None:
    """record_error marks the span failed even when the code handled the exception."""
    with tracing.span("handled") as sp:
        sp.record_error(RuntimeError("upstream 503"))
    assert only_error(sink).message == "upstream 503"


def test_unprintable_exception_does_not_escape(sink) -> None:
    """An exception whose __str__ raises is still recorded, and the original re-raised."""

    class Nasty(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    with pytest.raises(Nasty), tracing.span("nasty"):
        raise Nasty
    assert only_error(sink).type.endswith("Nasty")


async def test_a_cancellation_without_a_message_says_what_it_means(sink) -> None:
    """A bare CancelledError is recorded with an explanation rather than an empty message."""

    async def cancelled() -> None:
        with tracing.span("call"):
            await asyncio.sleep(5)

    task = asyncio.ensure_future(cancelled())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    error = only_error(sink)
    assert error.type == "CancelledError"
    assert error.message.startswith("cancelled before it ended")


def test_an_exception_with_its_own_message_keeps_it(sink) -> None:
    """The explanation only fills a silence: a TimeoutError with a message keeps that message."""
    with pytest.raises(TimeoutError), tracing.span("call"):
        raise TimeoutError("read took 3 s")
    assert only_error(sink).message == "read took 3 s"


def test_a_bare_timeout_is_recorded_as_one(sink) -> None:
    """A TimeoutError raised without a message is recorded as "timed out", not as nothing."""
    with pytest.raises(TimeoutError), tracing.span("call"):
        raise TimeoutError
    assert only_error(sink).message == "timed out"
