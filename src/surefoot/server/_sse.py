"""Streamed chat completions: the guard's stream as OpenAI's server-sent events.

The guard's stream is driven by one task from start to end, because its trace spans live in that
task's context; the response reads its chunks through a small queue. The HTTP status is chosen
only once the first chunk (or the end) arrived, so a request refused before any text gets a real
error status, like a plain completion. A stream that fails after text reached the caller ends
with an ``error`` event and no ``[DONE]``: clients raise instead of keeping a cut answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.responses import StreamingResponse

from surefoot import tracing
from surefoot.core._json import dumpb
from surefoot.providers import ChatChunk

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from surefoot.guard import AsyncGuardStream, GuardResult
    from surefoot.providers import TokenLogprob, Usage
    from surefoot.server._errors import ApiError

__all__ = ["logprobs_json", "stream_completion", "usage_json"]

_QUEUE_CHUNKS = 64
_DONE = b"data: [DONE]\n\n"


@dataclass(frozen=True, slots=True)
class _End:
    result: GuardResult | None
    error: Exception | None


@dataclass(slots=True)
class _Meta:
    """What every chunk of one response repeats."""

    id: str = ""
    created: int = 0
    model: str = ""
    trace_id: str | None = None
    logprobs: bool = False  # the client asked for them


async def stream_completion(
    stream: AsyncGuardStream,
    model: str,
    *,
    refuse: Callable[[GuardResult], ApiError],
    decision_json: Callable[[GuardResult], dict[str, Any]],
    on_result: Callable[[GuardResult], None],
    logprobs: bool = False,
) -> StreamingResponse:
    """Start ``stream`` and answer with its events once the first chunk is known; with
    ``logprobs`` (the client asked for them) each choice carries its tokens' log probabilities.

    Raises:
        ApiError: the request was refused before any chunk (``refuse`` builds it).
    """
    meta = _Meta(created=int(time.time()), model=model, logprobs=logprobs)
    queue: asyncio.Queue[ChatChunk | _End] = asyncio.Queue(_QUEUE_CHUNKS)
    task = asyncio.create_task(_drive(stream, queue, meta, on_result))
    try:
        first = await queue.get()
    except BaseException:
        task.cancel()  # the request was cancelled before any chunk: nobody will read the rest
        raise
    if isinstance(first, _End) and first.result is not None and not first.result.ok:
        raise refuse(first.result)
    headers = {"cache-control": "no-cache", "x-accel-buffering": "no"}
    if meta.trace_id:
        headers["x-surefoot-trace-id"] = meta.trace_id
    events = _events(first, queue, task, meta, decision_json)
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


async def _drive(
    stream: AsyncGuardStream,
    queue: asyncio.Queue[ChatChunk | _End],
    meta: _Meta,
    on_result: Callable[[GuardResult], None],
) -> None:
    error: Exception | None = None
    try:
        async for chunk in stream:
            if not meta.id:
                # The guard span is current here, while the stream is suspended inside it.
                span = tracing.current_span()
                meta.trace_id = span.trace_id if span.is_recording else None
                meta.id = chunk.id if chunk.id.startswith("chatcmpl") else _new_id(meta)
            await queue.put(chunk)
    except Exception as exc:  # the cut stream's provider error, raised by the guard
        error = exc
    if stream.result is not None:
        on_result(stream.result)
    await queue.put(_End(stream.result, error))


def _new_id(meta: _Meta) -> str:
    return f"chatcmpl-{meta.trace_id or format(time.time_ns(), 'x')}"


async def _events(
    first: ChatChunk | _End,
    queue: asyncio.Queue[ChatChunk | _End],
    task: asyncio.Task[None],
    meta: _Meta,
    decision_json: Callable[[GuardResult], dict[str, Any]],
) -> AsyncIterator[bytes]:
    try:
        item = first
        # OpenAI's usage chunk (no choices, the usage) is a stream's last before [DONE]: it is
        # held until the end is known, and the decision rides on it.
        usage: dict[str, Any] | None = None
        while isinstance(item, ChatChunk):
            data = _chunk_json(item, meta)
            if usage is not None:
                yield _event(usage)
                usage = None
            if not data["choices"] and "usage" in data:
                usage = data
            else:
                yield _event(data)
            item = await queue.get()
        result = item.result
        if item.error is not None or result is None or not result.ok:
            if usage is not None:
                yield _event(usage)
            yield _event({"error": _stream_error(item)})
            return
        final = usage if usage is not None else {**_base(meta), "choices": []}
        final["surefoot"] = decision_json(result)
        yield _event(final)
        yield _DONE
    finally:
        if not task.done():
            # The client went away: stop calling the upstream for nobody.
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _stream_error(end: _End) -> dict[str, Any]:
    reason = str(end.error) if end.error is not None else "the answer failed after it started"
    return {
        "message": f"the stream was interrupted: {reason}; retry the request",
        "type": "server_error",
        "code": "stream_interrupted",
    }


def _base(meta: _Meta) -> dict[str, Any]:
    return {
        "id": meta.id or _new_id(meta),
        "object": "chat.completion.chunk",
        "created": meta.created,
        "model": meta.model,
    }


def _chunk_json(chunk: ChatChunk, meta: _Meta) -> dict[str, Any]:
    out = _base(meta)
    out["model"] = chunk.model or meta.model
    out["system_fingerprint"] = chunk.system_fingerprint
    choices = []
    for choice in chunk.choices:
        delta: dict[str, Any] = {}
        if choice.role:
            delta["role"] = choice.role
        if choice.content is not None:
            delta["content"] = choice.content
        if choice.tool_calls:
            delta["tool_calls"] = [dict(call) for call in choice.tool_calls]
        if choice.refusal is not None:
            delta["refusal"] = choice.refusal
        out_choice = {"index": choice.index, "delta": delta, "finish_reason": choice.finish_reason}
        if meta.logprobs:
            out_choice["logprobs"] = (
                None if choice.logprobs is None else logprobs_json(choice.logprobs)
            )
        choices.append(out_choice)
    out["choices"] = choices
    if chunk.usage is not None:
        out["usage"] = usage_json(chunk.usage)
    return out


def usage_json(usage: Usage | None) -> dict[str, Any]:
    """OpenAI's ``usage`` object, with the cached and reasoning token details when there are
    any (clients price those tokens apart)."""
    if usage is None:
        return {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    out: dict[str, Any] = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }
    if usage.cached_input_tokens:
        out["prompt_tokens_details"] = {"cached_tokens": usage.cached_input_tokens}
    if usage.reasoning_tokens:
        out["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
    return out


def logprobs_json(tokens: tuple[TokenLogprob, ...]) -> dict[str, Any]:
    """A choice's ``logprobs`` object as OpenAI writes it, in a completion or a chunk."""
    return {
        "content": [
            {
                "token": t.token,
                "logprob": t.logprob,
                "bytes": list(t.token.encode()),
                "top_logprobs": [
                    {"token": a.token, "logprob": a.logprob, "bytes": list(a.token.encode())}
                    for a in t.top_logprobs
                ],
            }
            for t in tokens
        ],
        "refusal": None,
    }


def _event(data: dict[str, Any]) -> bytes:
    return b"data: " + dumpb(data) + b"\n\n"
