"""@trace wraps sync, async, generator and async generator functions in a span."""

from __future__ import annotations

import pytest

from surefoot import tracing
from surefoot.core import SpanKind, SpanRecord, SpanStatus


@pytest.fixture(autouse=True)
def _init(settings_factory, sink) -> None:
    tracing.init(settings_factory(), sink=sink)


def spans(sink) -> dict[str, SpanRecord]:
    assert tracing.flush()
    return {sp.name: sp for sp in sink.spans}


def test_sync_function_records_arguments_and_result(sink) -> None:
    """Input is the arguments by parameter name; output is the return value."""

    @tracing.trace
    def add(a: int, b: int = 10) -> int:
        return a + b

    assert add(1, b=2) == 3
    (span,) = sink.spans if tracing.flush() else []
    assert span.name.endswith("add")
    assert span.input == {"a": 1, "b": 2}
    assert span.output == 3
    assert span.kind is SpanKind.TOOL


async def test_async_function_is_traced(sink) -> None:
    """An async function's span covers the awaited call."""

    @tracing.trace(name="double", kind=SpanKind.LLM)
    async def double(x: int) -> int:
        return x * 2

    assert await double(4) == 8
    span = spans(sink)["double"]
    assert span.kind is SpanKind.LLM
    assert span.output == 8


def test_generator_output_is_the_yielded_items(sink) -> None:
    """A generator's span ends when it is exhausted and records every item."""

    @tracing.trace(name="count")
    def count(n: int):
        yield from range(n)

    assert list(count(3)) == [0, 1, 2]
    assert spans(sink)["count"].output == [0, 1, 2]


def test_generator_span_is_not_current_for_the_consumer(sink) -> None:
    """Between items the consumer's own span is current, not the generator's."""

    @tracing.trace(name="gen")
    def gen():
        yield tracing.current_span().span_id

    with tracing.span("consumer") as consumer:
        for inner_id in gen():
            assert tracing.current_span() is consumer
            assert inner_id != consumer.span_id
    assert spans(sink)["gen"].parent_id == consumer.span_id


async def test_async_generator_is_traced(sink) -> None:
    """An async generator's span covers the iteration and records the items."""

    @tracing.trace(name="agen")
    async def agen(n: int):
        for i in range(n):
            yield i

    assert [i async for i in agen(2)] == [0, 1]
    assert spans(sink)["agen"].output == [0, 1]


def test_generator_error_is_recorded(sink) -> None:
    """An exception raised inside a generator fails its span and reaches the consumer."""

    @tracing.trace(name="broken")
    def broken():
        yield 1
        raise RuntimeError("mid-stream")

    with pytest.raises(RuntimeError):
        list(broken())
    assert spans(sink)["broken"].status is SpanStatus.ERROR


def test_generator_closed_early_is_not_an_error(sink) -> None:
    """A consumer that stops early ends the span without an error."""

    @tracing.trace(name="endless")
    def endless():
        while True:
            yield 1

    it = endless()
    next(it)
    it.close()
    assert spans(sink)["endless"].status is SpanStatus.OK


def test_capture_can_be_turned_off(sink) -> None:
    """capture_input/capture_output False keep the payloads out of the span."""

    @tracing.trace(name="secretive", capture_input=False, capture_output=False)
    def secretive(x: str) -> str:
        return x

    secretive("hidden")
    span = spans(sink)["secretive"]
    assert span.input is None
    assert span.output is None


def test_method_input_leaves_out_self(sink) -> None:
    """For methods, ``self`` is not part of the recorded input."""

    class Tool:
        @tracing.trace(name="method")
        def run(self, query: str) -> str:
            return query.upper()

    assert Tool().run("q") == "Q"
    assert spans(sink)["method"].input == {"query": "q"}


def test_keyword_only_and_varargs_are_recorded(sink) -> None:
    """Functions with *args, keyword-only and **kwargs parameters record them by name."""

    @tracing.trace(name="flex")
    def flex(a, *rest, k=1, **extra):
        return a

    flex(1, 2, 3, k=4, z=5)
    assert spans(sink)["flex"].input == {"a": 1, "rest": [2, 3], "k": 4, "extra": {"z": 5}}
