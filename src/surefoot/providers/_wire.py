"""OpenAI chat-completions JSON: building request bodies, parsing responses and chunks.

Parsing is where foreign JSON enters, so it checks every field it reads; anything that is not the
expected shape raises :class:`~surefoot.core.errors.MalformedResponse` naming the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from surefoot.core._json import loads as json_loads
from surefoot.core.errors import MalformedResponse, ProviderUnavailable
from surefoot.providers._build import new_chat_response, new_choice, new_usage
from surefoot.providers._types import (
    ChatChunk,
    ChatResponse,
    ChunkChoice,
    EmbeddingResponse,
    TokenLogprob,
    TopLogprob,
    Usage,
)

if TYPE_CHECKING:
    from surefoot.providers._types import ChatRequest, EmbeddingRequest

__all__ = [
    "chat_body",
    "embedding_body",
    "loads",
    "parse_chat",
    "parse_chunk",
    "parse_embeddings",
]


def chat_body(request: ChatRequest, *, stream: bool) -> dict[str, Any]:
    """The JSON body of a chat completions call."""
    body: dict[str, Any] = {"model": request.model, "messages": list(request.messages)}
    # Only what was asked for, in this order; one test per field rather than a dict of them
    # filtered, since this runs on every call and most requests set none.
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if request.seed is not None:
        body["seed"] = request.seed
    if request.n is not None:
        body["n"] = request.n
    if request.tool_choice is not None:
        body["tool_choice"] = request.tool_choice
    if request.stop is not None:
        body["stop"] = request.stop if isinstance(request.stop, str) else list(request.stop)
    if request.response_format is not None:
        body["response_format"] = request.response_format.to_openai()
    if request.logprobs or request.top_logprobs is not None:
        body["logprobs"] = True
        if request.top_logprobs is not None:
            body["top_logprobs"] = request.top_logprobs
    if request.tools is not None:
        body["tools"] = list(request.tools)
    if stream:
        # Ask for the final usage chunk; servers that do not know the option ignore it.
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    if request.extra_body:
        body.update(request.extra_body)
    return body


def embedding_body(request: EmbeddingRequest) -> dict[str, Any]:
    """The JSON body of an embeddings call."""
    body: dict[str, Any] = {
        "model": request.model,
        "input": list(request.input),
        "encoding_format": "float",
    }
    if request.dimensions is not None:
        body["dimensions"] = request.dimensions
    if request.extra_body:
        body.update(request.extra_body)
    return body


def loads(content: bytes | str, provider: str) -> Any:
    """Decode a JSON body, or raise :class:`MalformedResponse` quoting its start."""
    try:
        return json_loads(content)
    except ValueError as exc:
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        raise MalformedResponse(
            f"{provider!r} sent a body that is not JSON: {text[:120]!r}", provider=provider
        ) from exc


def _malformed(provider: str, what: str, data: object) -> MalformedResponse:
    return MalformedResponse(
        f"{provider!r} sent {what}; got {str(data)[:160]!r}",
        provider=provider,
    )


def _get(data: Any, key: str, kind: type | tuple[type, ...], provider: str) -> Any:
    if not isinstance(data, dict):
        raise _malformed(provider, f"a non-object where {key!r} was expected", data)
    value = data.get(key)
    if not isinstance(value, kind):
        raise _malformed(provider, f"no valid {key!r}", data)
    return value


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _usage(data: Any) -> Usage:
    if not isinstance(data, dict):
        return Usage()
    input_details = data.get("prompt_tokens_details") or {}
    output_details = data.get("completion_tokens_details") or {}
    return new_usage(
        int(data.get("prompt_tokens") or 0),
        int(data.get("completion_tokens") or 0),
        int(input_details.get("cached_tokens") or 0),
        int(output_details.get("reasoning_tokens") or 0),
    )


def _logprobs(data: Any) -> tuple[TokenLogprob, ...] | None:
    if not isinstance(data, dict):
        return None
    content = data.get("content")
    if isinstance(content, list):
        return tuple(
            TokenLogprob(
                token=str(item["token"]),
                logprob=float(item["logprob"]),
                top_logprobs=tuple(
                    TopLogprob(str(t["token"]), float(t["logprob"]))
                    for t in item.get("top_logprobs") or ()
                ),
            )
            for item in content
        )
    # The legacy completions shape, which some local servers still send for chat.
    tokens, values = data.get("tokens"), data.get("token_logprobs")
    if isinstance(tokens, list) and isinstance(values, list):
        tops = data.get("top_logprobs") or [None] * len(tokens)
        return tuple(
            TokenLogprob(
                token=str(token),
                logprob=float(value),
                top_logprobs=tuple(TopLogprob(str(k), float(v)) for k, v in (top or {}).items()),
            )
            for token, value, top in zip(tokens, values, tops, strict=False)
        )
    return None


def parse_chat(data: Any, provider: str) -> ChatResponse:
    """A :class:`ChatResponse` from a chat completions body."""
    # Every call parses one of these: the field helpers are spelled out (a shape check calls
    # _get only when it fails, for _get's error) and the frozen types are built as drafts
    # (see surefoot.providers._build).
    raw_choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(raw_choices, list):
        raw_choices = _get(data, "choices", list, provider)  # raises, naming what is wrong
    if not raw_choices:
        raise _malformed(provider, "an empty 'choices' list", data)
    choices = []
    try:
        for position, raw in enumerate(raw_choices):
            message = raw.get("message") if isinstance(raw, dict) else None
            if not isinstance(message, dict):
                message = _get(raw, "message", dict, provider)
            content = message.get("content")
            if content is not None and not isinstance(content, str):
                raise _malformed(provider, "message content that is not text", message)
            finish_reason, role = raw.get("finish_reason"), message.get("role")
            tool_calls, refusal = message.get("tool_calls"), message.get("refusal")
            logprobs = raw.get("logprobs")
            choices.append(
                new_choice(
                    int(raw.get("index", position)),
                    content,
                    finish_reason if isinstance(finish_reason, str) else None,
                    (role if isinstance(role, str) else None) or "assistant",
                    tuple(tool_calls) if tool_calls else (),
                    refusal if isinstance(refusal, str) else None,
                    None if logprobs is None else _logprobs(logprobs),
                )
            )
        created, fingerprint = data.get("created"), data.get("system_fingerprint")
        model = data.get("model")
        if not isinstance(model, str):
            model = _get(data, "model", str, provider)
        return new_chat_response(
            str(data.get("id") or ""),
            model,
            tuple(choices),
            _usage(data.get("usage")),
            fingerprint if isinstance(fingerprint, str) else None,
            created if isinstance(created, int) else None,
            data,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _malformed(provider, f"a response of the wrong shape ({exc})", data) from exc


def parse_chunk(data: Any, provider: str) -> ChatChunk:
    """A :class:`ChatChunk` from one ``chat.completion.chunk`` event.

    Raises:
        ProviderUnavailable: the event is an ``error`` object sent mid-stream.
        MalformedResponse: the event is not a chunk.
    """
    if isinstance(data, dict) and "error" in data:
        raise ProviderUnavailable(
            f"{provider!r} sent an error mid-stream: {str(data['error'])[:200]}", provider=provider
        )
    raw_choices = _get(data, "choices", list, provider)
    try:
        choices = tuple(
            ChunkChoice(
                index=int(raw.get("index", position)),
                content=_opt_str(delta, "content"),
                finish_reason=_opt_str(raw, "finish_reason"),
                role=_opt_str(delta, "role"),
                tool_calls=tuple(delta.get("tool_calls") or ()),
                refusal=_opt_str(delta, "refusal"),
                logprobs=_logprobs(raw.get("logprobs")),
            )
            for position, raw in enumerate(raw_choices)
            for delta in (raw.get("delta") or {},)
        )
        usage = data.get("usage")
        return ChatChunk(
            id=str(data.get("id") or ""),
            model=str(data.get("model") or ""),
            choices=choices,
            usage=_usage(usage) if usage else None,
            system_fingerprint=_opt_str(data, "system_fingerprint"),
            raw=data,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _malformed(provider, f"a chunk of the wrong shape ({exc})", data) from exc


def parse_embeddings(data: Any, provider: str) -> EmbeddingResponse:
    """An :class:`EmbeddingResponse` from an embeddings body, vectors in input order."""
    items = _get(data, "data", list, provider)
    try:
        ordered = sorted(items, key=lambda item: int(item.get("index", 0)))
        vectors = tuple(tuple(float(x) for x in item["embedding"]) for item in ordered)
        usage = data.get("usage") or {}
        return EmbeddingResponse(
            model=_get(data, "model", str, provider),
            vectors=vectors,
            usage=Usage(input_tokens=int(usage.get("prompt_tokens") or 0)),
            raw=data,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _malformed(provider, f"embeddings of the wrong shape ({exc})", data) from exc
