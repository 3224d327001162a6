"""Guarded streams: the same decision core, driven chunk by chunk.

Chunks are held back until the first one with text, so a failure before any text reaches the
caller can still be retried or fall back invisibly. After that, a failure is a failed request.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from surefoot.guard import _drive, _trace
from surefoot.guard._result import (
    AttemptOutcome,
    DoAttempt,
    DoFallback,
    DoSleep,
    Finish,
    GuardResult,
)
from surefoot.providers import ChatChunk, ChatRequest, ChunkChoice, StreamAccumulator

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from surefoot.core.errors import SurefootError
    from surefoot.guard._decide import Run
    from surefoot.guard._guard import Guard

__all__ = ["AsyncGuardStream", "GuardStream"]


def _text_chunk(text: str, source: str) -> ChatChunk:
    return ChatChunk(
        id=f"fallback-{source}",
        model=source,
        choices=(ChunkChoice(index=0, content=text, finish_reason="stop", role="assistant"),),
    )


class _Attempt:
    """Collects one streamed attempt and says whether text already reached the caller."""

    def __init__(self, action: DoAttempt, started_s: float) -> None:
        self.acc = StreamAccumulator(action.lane.name)
        self.held: list[ChatChunk] = []
        self.started = False
        self.started_s = started_s

    def take(self, chunk: ChatChunk) -> list[ChatChunk]:
        """Add ``chunk``; return what may be passed to the caller now."""
        self.acc.add(chunk)
        if self.started:
            return [chunk]
        self.held.append(chunk)
        if not chunk.content:
            return []
        self.started, out, self.held = True, self.held, []
        return out

    def failed(self, error: SurefootError, now_s: float) -> AttemptOutcome:
        return AttemptOutcome(now_s - self.started_s, error=error, after_first_token=self.started)

    def done(self, now_s: float) -> AttemptOutcome:
        return AttemptOutcome(now_s - self.started_s, response=self.acc.finish())


class GuardStream:
    """Iterate for the answer's chunks; :attr:`result` holds the decision once iteration ends."""

    def __init__(self, guard: Guard, core: Run, request: ChatRequest) -> None:
        self._guard = guard
        self._core = core
        self._request = request
        self._outcome: AttemptOutcome | None = None
        self.result: GuardResult | None = None

    def __iter__(self) -> Iterator[ChatChunk]:
        core, clock = self._core, self._guard.clock
        with _trace.guard_span(self._guard.name, self._request) as span:
            action = core.begin()
            while not isinstance(action, Finish):
                if isinstance(action, DoAttempt):
                    yield from self._attempt(action)
                    assert self._outcome is not None
                    action = core.after_attempt(action, self._outcome)
                elif isinstance(action, DoSleep):
                    clock.sleep(action.seconds)
                    action = core.after_sleep()
                elif isinstance(action, DoFallback):
                    content = _drive.ask_fallback(action)
                    if content is not None:
                        yield _text_chunk(content, action.fallback.name)
                    action = core.after_fallback(action, content)
            self.result = self._guard._finish(span, core, self._request, action)
        _raise_if_cut(action)

    def _attempt(self, action: DoAttempt) -> Iterator[ChatChunk]:
        lane, clock = action.lane, self._guard.clock
        if not lane.bulkhead.acquire(action.timeout_s):
            self._outcome = AttemptOutcome(0.0, rejected="bulkhead_full")
            return
        state = _Attempt(action, clock.monotonic())
        attributes = _drive.attempt_attributes(action) if _trace.recording() else None
        try:
            for chunk in lane.provider.stream(action.request, attributes=attributes):
                yield from state.take(chunk)
            self._outcome = state.done(clock.monotonic())
        except Exception as exc:  # the provider boundary: every failure is an outcome
            error = _drive.wrap_foreign(exc, lane, timeout_s=action.timeout_s)
            self._outcome = state.failed(error, clock.monotonic())
        finally:
            lane.bulkhead.release()


class AsyncGuardStream:
    """Async twin of :class:`GuardStream`: ``async for`` the chunks, then read :attr:`result`."""

    def __init__(self, guard: Guard, core: Run, request: ChatRequest) -> None:
        self._guard = guard
        self._core = core
        self._request = request
        self._outcome: AttemptOutcome | None = None
        self.result: GuardResult | None = None

    async def __aiter__(self) -> AsyncIterator[ChatChunk]:
        core, clock = self._core, self._guard.clock
        with _trace.guard_span(self._guard.name, self._request) as span:
            action = core.begin()
            while not isinstance(action, Finish):
                if isinstance(action, DoAttempt):
                    async for chunk in self._attempt(action):
                        yield chunk
                    assert self._outcome is not None
                    action = core.after_attempt(action, self._outcome)
                elif isinstance(action, DoSleep):
                    await clock.asleep(action.seconds)
                    action = core.after_sleep()
                elif isinstance(action, DoFallback):
                    content = _drive.ask_fallback(action)
                    if content is not None:
                        yield _text_chunk(content, action.fallback.name)
                    action = core.after_fallback(action, content)
            self.result = self._guard._finish(span, core, self._request, action)
        _raise_if_cut(action)

    async def _attempt(self, action: DoAttempt) -> AsyncIterator[ChatChunk]:
        lane, clock = action.lane, self._guard.clock
        if not await lane.bulkhead.aacquire(action.timeout_s):
            self._outcome = AttemptOutcome(0.0, rejected="bulkhead_full")
            return
        state = _Attempt(action, clock.monotonic())
        attributes = _drive.attempt_attributes(action) if _trace.recording() else None
        try:
            chunks = aiter(lane.provider.astream(action.request, attributes=attributes))
            async for chunk in _first_within(chunks, action.timeout_s):
                for out in state.take(chunk):
                    yield out
            self._outcome = state.done(clock.monotonic())
        except Exception as exc:  # the provider boundary: every failure is an outcome
            error = _drive.wrap_foreign(exc, lane, timeout_s=action.timeout_s)
            self._outcome = state.failed(error, clock.monotonic())
        finally:
            lane.bulkhead.arelease()


async def _first_within(
    chunks: AsyncIterator[ChatChunk], timeout_s: float
) -> AsyncIterator[ChatChunk]:
    # Only the wait for the first chunk is bounded here; later reads are the provider's timeout.
    # As for complete calls, a timed-out read is cancelled, not waited for while it unwinds.
    try:
        first = await _drive.within(asyncio.ensure_future(anext(chunks)), timeout_s)
    except StopAsyncIteration:
        return
    yield first
    async for chunk in chunks:
        yield chunk


def _raise_if_cut(action: Finish) -> None:
    # Text already reached the caller, so silence would pass a cut answer off as a whole one.
    if "stream_interrupted" in action.decision.reasons and action.error is not None:
        raise action.error
