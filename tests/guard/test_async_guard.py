"""The async driver follows the same decisions as the sync one."""

from __future__ import annotations

import asyncio
import time

from tests.guard._helpers import request, scripted

from surefoot.core import DecisionStatus, FakeClock, ProviderUnavailable, SystemClock
from surefoot.guard import Bulkhead, Guard, StaticMessage, Upstream, WaitFixed
from surefoot.providers import CallableProvider, ChatRequest, OpenAICompatibleProvider
from surefoot.testing import Fault, FaultServer


async def test_async_retries_then_serves() -> None:
    """acomplete retries a transient error and serves the answer."""
    clock = FakeClock()
    provider, _ = scripted(clock, ProviderUnavailable("503"), "ok")
    result = await Guard([provider], wait=WaitFixed(0.5), clock=clock).acomplete(request())
    assert result.content == "ok"
    assert clock.slept == [0.5]


async def test_async_enforces_the_attempt_timeout() -> None:
    """A handler slower than its timeout is cut off by the async driver and falls back."""

    async def slow(req: ChatRequest) -> str:
        await asyncio.sleep(5)
        return "late"

    guard = Guard(
        [Upstream(CallableProvider(slow), timeout_s=0.05)],
        fallbacks=[StaticMessage("fast")],
        deadline_s=0.2,
        clock=SystemClock(),
    )
    result = await guard.acomplete(request())
    assert result.content == "fast"
    assert result.decision.status is DecisionStatus.FALLBACK
    assert result.attempts[0].error == "ProviderTimeout"


async def test_a_timed_out_call_is_not_waited_for_while_it_unwinds() -> None:
    """The decision does not wait for a timed-out call's slow cleanup, and the call keeps its
    bulkhead slot until that cleanup has really ended."""
    may_finish, finished = asyncio.Event(), asyncio.Event()

    async def stubborn(req: ChatRequest) -> str:
        try:
            await asyncio.sleep(60)
        finally:
            await may_finish.wait()  # a slow cleanup, like closing a connection
            finished.set()
        return "late"

    bulkhead = Bulkhead(max_concurrent=1)
    guard = Guard(
        [Upstream(CallableProvider(stubborn), timeout_s=0.01, bulkhead=bulkhead)],
        fallbacks=[StaticMessage("fast")],
        deadline_s=0.05,
        clock=SystemClock(),
    )
    result = await asyncio.wait_for(guard.acomplete(request()), 10.0)
    assert result.content == "fast"
    assert bulkhead.in_flight == 1
    may_finish.set()
    await asyncio.wait_for(finished.wait(), 10.0)
    await asyncio.sleep(0)  # the slot is given back by the call's done callback
    assert bulkhead.in_flight == 0


async def test_a_hung_http_call_is_cancelled_at_its_timeout_and_frees_its_slot() -> None:
    """An HTTP upstream that hangs is cut off at the attempt timeout in the caller's task,
    its slot given back, and the retry on a fresh connection is served in time."""
    bulkhead = Bulkhead(max_concurrent=1)
    with FaultServer() as server:
        server.inject(Fault.hang(5.0))
        provider = OpenAICompatibleProvider(server.base_url, name="hung")
        guard = Guard(
            [Upstream(provider, timeout_s=0.1, bulkhead=bulkhead)],
            fallbacks=[StaticMessage("fast")],
            deadline_s=0.3,
            clock=SystemClock(),
        )
        started = time.monotonic()
        result = await guard.acomplete(request())
        elapsed = time.monotonic() - started
        await provider.aclose()
    assert result.content == "echo: hi"
    assert [a.error for a in result.attempts] == ["ProviderTimeout", None]
    assert elapsed < 0.3 + 0.25  # the deadline, with the slack the chaos test allows
    assert bulkhead.in_flight == 0
