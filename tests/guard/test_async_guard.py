"""The async driver follows the same decisions as the sync one."""

from __future__ import annotations

import asyncio

from tests.guard._helpers import request, scripted

from surefoot.core import DecisionStatus, FakeClock, ProviderUnavailable, SystemClock
from surefoot.guard import Guard, StaticMessage, Upstream, WaitFixed
from surefoot.providers import CallableProvider, ChatRequest


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
