"""Folding streamed chunks into one response, and refusing streams that end without finishing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from surefoot.core.errors import MalformedResponse
from surefoot.providers._types import ChatChunk, ChatResponse, Choice, ChunkChoice, Usage

if TYPE_CHECKING:
    from surefoot.providers._types import TokenLogprob

__all__ = ["StreamAccumulator", "chunk_from_response"]


@dataclass(slots=True)
class _Partial:
    parts: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    role: str = "assistant"
    refusal: list[str] = field(default_factory=list)
    logprobs: list[TokenLogprob] | None = None
    tool_calls: dict[int, dict[str, Any]] = field(default_factory=dict)


class StreamAccumulator:
    """Collects chunks; :meth:`finish` returns the whole response or raises if it was cut.

    Args:
        provider: the provider's name, for error messages.
    """

    def __init__(self, provider: str) -> None:
        self._provider = provider
        self._choices: dict[int, _Partial] = {}
        self.chunks = 0
        self.chars = 0
        self._id = ""
        self._model = ""
        self._fingerprint: str | None = None
        self._usage: Usage | None = None

    def add(self, chunk: ChatChunk) -> None:
        """Fold one chunk in."""
        self.chunks += 1
        self._id = self._id or chunk.id
        self._model = self._model or chunk.model
        self._fingerprint = chunk.system_fingerprint or self._fingerprint
        if chunk.usage is not None:
            self._usage = chunk.usage
        for delta in chunk.choices:
            self._add_delta(delta)

    def _add_delta(self, delta: ChunkChoice) -> None:
        partial = self._choices.setdefault(delta.index, _Partial())
        if delta.content:
            partial.parts.append(delta.content)
            self.chars += len(delta.content)
        if delta.refusal:
            partial.refusal.append(delta.refusal)
        if delta.role:
            partial.role = delta.role
        if delta.finish_reason:
            partial.finish_reason = delta.finish_reason
        if delta.logprobs is not None:
            partial.logprobs = [*(partial.logprobs or []), *delta.logprobs]
        for call in delta.tool_calls:
            _merge_tool_call(partial.tool_calls, call)

    def progress(self) -> str:
        """How much arrived, for error messages: ``"3 chunks (42 characters)"``."""
        return f"{self.chunks} chunks ({self.chars} characters)"

    def finish(self) -> ChatResponse:
        """The response the chunks add up to.

        Raises:
            MalformedResponse: no chunk arrived, or a choice never got a finish reason.
        """
        unfinished = [i for i, p in self._choices.items() if p.finish_reason is None]
        if not self._choices or unfinished:
            raise MalformedResponse(
                f"stream from {self._provider!r} ended without a finish_reason after "
                f"{self.progress()}; the answer is incomplete",
                provider=self._provider,
                hint="the upstream cut the stream; retry, or fall back to another upstream",
            )
        choices = tuple(_choice(i, self._choices[i]) for i in sorted(self._choices))
        return ChatResponse(
            id=self._id,
            model=self._model,
            choices=choices,
            usage=self._usage or Usage(output_tokens=0),
            system_fingerprint=self._fingerprint,
        )


def _choice(index: int, partial: _Partial) -> Choice:
    return Choice(
        index=index,
        content="".join(partial.parts),
        finish_reason=partial.finish_reason,
        role=partial.role,
        tool_calls=tuple(partial.tool_calls[k] for k in sorted(partial.tool_calls)),
        refusal="".join(partial.refusal) or None,
        logprobs=tuple(partial.logprobs) if partial.logprobs is not None else None,
    )


def _merge_tool_call(calls: dict[int, dict[str, Any]], delta: Any) -> None:
    # Streamed tool calls arrive as fragments keyed by index; arguments are concatenated text.
    index = int(delta.get("index", len(calls)))
    call = calls.setdefault(index, {"type": "function", "function": {"name": "", "arguments": ""}})
    if delta.get("id"):
        call["id"] = delta["id"]
    function = delta.get("function") or {}
    call["function"]["name"] += function.get("name") or ""
    call["function"]["arguments"] += function.get("arguments") or ""


def chunk_from_response(response: ChatResponse) -> ChatChunk:
    """The whole of ``response`` as one chunk, for providers that cannot stream."""
    choices = tuple(
        ChunkChoice(
            index=c.index,
            content=c.content,
            finish_reason=c.finish_reason,
            role=c.role,
            tool_calls=c.tool_calls,
            refusal=c.refusal,
            logprobs=c.logprobs,
        )
        for c in response.choices
    )
    return ChatChunk(
        id=response.id,
        model=response.model,
        choices=choices,
        usage=response.usage,
        system_fingerprint=response.system_fingerprint,
        raw=response.raw,
    )
