"""Guarded streams: fallback before the first token, failure after it, result at the end."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from tests.guard._helpers import request, scripted

from surefoot.core import DecisionStatus, FakeClock, MalformedResponse, ProviderUnavailable
from surefoot.guard import (
    Guard,
    JsonValid,
    OnFail,
    StaticMessage,
    StopAfterAttempts,
    ValidationPolicy,
)
from surefoot.providers import ChatChunk, ChatRequest, ChatResponse, ChunkChoice, Provider


class ChunkProvider(Provider):
    """Streams the given pieces, then fails with ``error`` if one is set."""

    def __init__(self, pieces: list[str], error: Exception | None = None) -> None:
        super().__init__(name="chunks")
        self.pieces = pieces
        self.error = error

    def _complete(self, request: ChatRequest) -> ChatResponse:
        raise NotImplementedError

    def _stream(self, request: ChatRequest) -> Iterator[ChatChunk]:
        for piece in self.pieces:
            yield ChatChunk(id="c", model=request.model, choices=(ChunkChoice(0, content=piece),))
        if self.error is not None:
            raise self.error
        yield ChatChunk(
            id="c", model=request.model, choices=(ChunkChoice(0, finish_reason="stop"),)
        )

    async def _astream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        for chunk in self._stream(request):
            yield chunk


def test_stream_yields_chunks_and_records_the_decision() -> None:
    """A healthy stream passes every chunk and ends with a serve decision."""
    stream = Guard([ChunkProvider(["Hel", "lo"])], clock=FakeClock()).stream(request())
    text = "".join(chunk.content for chunk in stream)
    assert text == "Hello"
    assert stream.result is not None
    assert stream.result.decision.status is DecisionStatus.SERVE
    assert stream.result.content == "Hello"


def test_failure_before_the_first_token_falls_back_invisibly() -> None:
    """An error before any text reaches the caller falls back to the next upstream."""
    broken = ChunkProvider([], error=ProviderUnavailable("down"))
    guard = Guard([broken, ChunkProvider(["ok"])], stop=StopAfterAttempts(1), clock=FakeClock())
    stream = guard.stream(request())
    assert "".join(c.content for c in stream) == "ok"
    assert stream.result is not None
    assert stream.result.decision.status is DecisionStatus.FALLBACK


def test_failure_after_the_first_token_is_a_failed_request() -> None:
    """A cut after text was delivered raises and the decision is refused, never served."""
    cut = ChunkProvider(["partial"], error=MalformedResponse("stream cut"))
    guard = Guard([cut], fallbacks=[StaticMessage("s")], clock=FakeClock())
    stream = guard.stream(request())
    received: list[str] = []
    with pytest.raises(MalformedResponse):
        received.extend(chunk.content for chunk in stream)
    assert received == ["partial"]
    assert stream.result is not None
    assert stream.result.decision.status is DecisionStatus.REFUSED
    assert "stream_interrupted" in stream.result.decision.reasons


def test_static_fallback_streams_as_one_chunk() -> None:
    """When every upstream fails the fallback text arrives as a single chunk."""
    clock = FakeClock()
    provider, _ = scripted(clock, ProviderUnavailable("down"))
    guard = Guard(
        [provider], fallbacks=[StaticMessage("sorry")], stop=StopAfterAttempts(1), clock=clock
    )
    stream = guard.stream(request())
    assert [c.content for c in stream] == ["sorry"]


def test_streamed_validation_failure_is_recorded_not_acted_on() -> None:
    """Text already delivered cannot be reasked; the failure is a reason on the decision."""
    policy = ValidationPolicy(JsonValid(), on_fail=OnFail.REASK)
    stream = Guard([ChunkProvider(["no json"])], validation=[policy], clock=FakeClock()).stream(
        request()
    )
    list(stream)
    assert stream.result is not None
    assert "validation_failed:json:monitored" in stream.result.decision.reasons


async def test_async_stream_falls_back_before_the_first_token() -> None:
    """The async stream follows the same rules as the sync one."""
    broken = ChunkProvider([], error=ProviderUnavailable("down"))
    guard = Guard([broken, ChunkProvider(["a", "b"])], stop=StopAfterAttempts(1), clock=FakeClock())
    stream = guard.astream(request())
    text = "".join([chunk.content async for chunk in stream])
    assert text == "ab"
    assert stream.result is not None
    assert stream.result.decision.status is DecisionStatus.FALLBACK
