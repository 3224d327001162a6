"""Each attempt is recorded on the span of its model call, a child of the guard span."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from tests.guard._helpers import request, scripted

from surefoot.core import FakeClock, ProviderUnavailable, SpanKind, SpanStatus, SystemClock
from surefoot.core import semconv as sc
from surefoot.guard import Guard, StaticMessage, StopAfterAttempts, Upstream, WaitFixed
from surefoot.providers import CallableProvider, ChatRequest, OpenAICompatibleProvider
from surefoot.testing import Fault, FaultServer, capture_traces


def test_a_served_request_is_a_guard_span_and_one_llm_span() -> None:
    """No span of its own for the attempt: the llm span carries upstream, number and timeout."""
    clock = FakeClock()
    provider, _ = scripted(clock, "ok", name="primary")
    guard = Guard([Upstream(provider, timeout_s=7.0)], clock=clock)
    with capture_traces() as captured:
        result = guard.complete(request())
    guard_span, llm = sorted(captured.spans, key=lambda sp: sp.parent_id is not None)
    assert (guard_span.kind, llm.kind) == (SpanKind.GUARD, SpanKind.LLM)
    assert llm.parent_id == guard_span.span_id and llm.trace_id == result.trace_id
    assert llm.attributes[sc.SF_UPSTREAM] == "primary"
    assert llm.attributes[sc.SF_ATTEMPT] == 1
    assert llm.attributes[sc.SF_TIMEOUT_S] == 7.0


def test_each_retry_is_a_sibling_llm_span_numbered_in_order() -> None:
    """A failed attempt and its retry are two llm spans under the guard span."""
    clock = FakeClock()
    provider, _ = scripted(clock, ProviderUnavailable("503"), "ok")
    guard = Guard([provider], wait=WaitFixed(0.5), clock=clock)
    with capture_traces() as captured:
        guard.complete(request())
    [guard_span] = [sp for sp in captured.spans if sp.kind is SpanKind.GUARD]
    llms = sorted(
        (sp for sp in captured.spans if sp.kind is SpanKind.LLM),
        key=lambda sp: sp.attributes[sc.SF_ATTEMPT],
    )
    assert [sp.attributes[sc.SF_ATTEMPT] for sp in llms] == [1, 2]
    assert [sp.status for sp in llms] == [SpanStatus.ERROR, SpanStatus.OK]
    assert {sp.parent_id for sp in llms} == {guard_span.span_id}
    assert llms[0].error is not None and llms[0].error.type == "ProviderUnavailable"


async def test_an_attempt_cut_off_by_its_timeout_says_so_on_its_span() -> None:
    """A handler past its timeout is cancelled: its span is an error that names the timeout."""

    async def slow(req: ChatRequest) -> str:
        await asyncio.sleep(5)
        return "late"

    upstream = Upstream(CallableProvider(slow, name="slow"), timeout_s=0.05)
    guard = Guard([upstream], fallbacks=[StaticMessage("fast")], clock=SystemClock())
    with capture_traces() as captured:
        await guard.acomplete(request())
        await asyncio.sleep(0.05)  # the abandoned call unwinds in its own task
    llms = [sp for sp in captured.spans if sp.kind is SpanKind.LLM]
    assert llms  # one per attempt, each cut off
    for llm in llms:
        assert llm.status is SpanStatus.ERROR and llm.error is not None
        assert llm.error.type == "CancelledError"
        assert llm.error.message.startswith("no answer within ")


async def test_a_timed_out_http_call_is_recorded_as_cancelled(fault_server: FaultServer) -> None:
    """An HTTP upstream past its timeout leaves an error span that says why it ended."""
    fault_server.inject(Fault.latency(2.0))  # the first request only: the retry is answered
    async with OpenAICompatibleProvider(fault_server.base_url, name="up") as provider:
        guard = Guard(
            [Upstream(provider, timeout_s=0.1)],
            fallbacks=[StaticMessage("fast")],
            clock=SystemClock(),
        )
        with capture_traces() as captured:
            await guard.acomplete(request())
    [llm] = [sp for sp in captured.spans if sp.attributes.get(sc.SF_ATTEMPT) == 1]
    assert llm.status is SpanStatus.ERROR and llm.error is not None
    # The guard's timer and the provider's own read timeout are both at 0.1 s.
    assert llm.error.type in {"CancelledError", "ProviderTimeout"}
    assert llm.error.message.startswith(("cancelled before it ended", "'up' did not answer"))
    assert llm.attributes[sc.SF_TIMEOUT_S] == 0.1


def test_a_guarded_stream_records_its_attempt_on_the_streaming_span() -> None:
    """Streaming: the llm span has the attempt's attributes and the joined output."""
    clock = FakeClock()
    provider, _ = scripted(clock, "streamed answer", name="primary")
    with capture_traces() as captured:
        list(Guard([provider], clock=clock).stream(request()))
    [llm] = [sp for sp in captured.spans if sp.kind is SpanKind.LLM]
    assert llm.attributes[sc.SF_STREAMING] is True
    assert llm.attributes[sc.SF_UPSTREAM] == "primary"
    assert llm.attributes[sc.SF_ATTEMPT] == 1
    assert len(captured.spans) == 2


async def test_an_async_guarded_stream_records_its_attempt_too() -> None:
    """The async stream driver passes the attempt to the provider's span as the sync one."""
    clock = FakeClock()
    provider, _ = scripted(clock, "streamed answer", name="primary")
    with capture_traces() as captured:
        chunks: AsyncIterator[object] = aiter(Guard([provider], clock=clock).astream(request()))
        async for _ in chunks:
            pass
    [llm] = [sp for sp in captured.spans if sp.kind is SpanKind.LLM]
    assert llm.attributes[sc.SF_ATTEMPT] == 1 and llm.attributes[sc.SF_STREAMING] is True


def _guard_span_output(guard: Guard) -> object:
    with capture_traces() as captured:
        guard.complete(request())
    [guard_span] = [sp for sp in captured.spans if sp.kind is SpanKind.GUARD]
    return guard_span.output


def test_the_guard_span_records_the_answer_it_served_as_its_output() -> None:
    """The model's text is the guard span's output, so the trace shows what the caller got."""
    clock = FakeClock()
    provider, _ = scripted(clock, "the answer")
    assert _guard_span_output(Guard([provider], clock=clock)) == "the answer"


def test_the_guard_span_records_a_fallbacks_text_when_the_fallback_served() -> None:
    """When every upstream fails, the fallback's text, not a model's, is what was served."""
    clock = FakeClock()
    provider, _ = scripted(clock, ProviderUnavailable("503"))
    stop = StopAfterAttempts(1)
    guard = Guard([provider], fallbacks=[StaticMessage("try later")], stop=stop, clock=clock)
    assert _guard_span_output(guard) == "try later"


def test_the_guard_span_has_no_output_when_nothing_was_served() -> None:
    """A refused request served no text: the span's output stays empty, the decision says why."""
    clock = FakeClock()
    provider, _ = scripted(clock, ProviderUnavailable("503"))
    guard = Guard([provider], stop=StopAfterAttempts(1), clock=clock)
    assert _guard_span_output(guard) is None
