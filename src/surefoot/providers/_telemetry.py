"""Spans for provider calls. Every call into :mod:`surefoot.tracing` from providers is here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from surefoot import tracing
from surefoot.core import semconv as sc
from surefoot.core._records import SpanKind
from surefoot.core.errors import ContentFiltered

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

    from surefoot.providers._base import Provider
    from surefoot.providers._pins import PinCheck
    from surefoot.providers._types import (
        ChatRequest,
        ChatResponse,
        EmbeddingRequest,
        EmbeddingResponse,
        Usage,
    )
    from surefoot.tracing import Span

__all__ = [
    "ChatCall",
    "EmbeddingCall",
    "chat_call",
    "embedding_call",
    "raise_if_filtered",
    "recording",
]


# Whether calls are traced now; when not, Provider.complete_checked makes the pin check and
# raise_if_filtered() itself instead of opening a span. The function itself, not a wrapper: it
# is asked on every call.
recording = tracing.is_initialised


class _SpanCall:
    """A provider call's span as a context manager: entering enters the span, leaving ends it
    (recording an escaping error). A class, not a generator-based context manager: this runs
    on every traced model call, and the generator machinery cost as much as the span."""

    __slots__ = ("_provider", "_request", "_span")

    def __init__(self, span: Span, provider: Provider, request: Any) -> None:
        self._span = span
        self._provider = provider
        self._request = request

    def __enter__(self) -> Self:
        self._span.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._span.__exit__(exc_type, exc, tb)


class ChatCall(_SpanCall):
    """The span of one chat call; :meth:`finish` records the response on it."""

    __slots__ = ()
    _request: ChatRequest

    def finish(self, response: ChatResponse) -> PinCheck:
        """Record the response and its pin check; raise if every choice was filtered.

        Raises:
            ContentFiltered: every choice ended by the provider's content filter or a refusal.
        """
        check = _record_served(self._span, self._provider, self._request, response)
        self._span.set_attributes(
            {
                sc.GEN_AI_RESPONSE_ID: response.id,
                sc.GEN_AI_RESPONSE_FINISH_REASONS: list(response.finish_reasons),
            }
        )
        _record_usage(self._span, response.model, response.usage)
        self._span.set_output(_output(response))
        raise_if_filtered(self._provider.name, response)
        return check


class EmbeddingCall(_SpanCall):
    """The span of one embedding call."""

    __slots__ = ()
    _request: EmbeddingRequest

    def finish(self, response: EmbeddingResponse) -> PinCheck:
        """Record the served model, usage and vector count."""
        check = _record_served(self._span, self._provider, self._request, response)
        _record_usage(self._span, response.model, response.usage)
        self._span.set_output({"vectors": len(response.vectors)})
        return check


def chat_call(
    provider: Provider,
    request: ChatRequest,
    *,
    streaming: bool = False,
    attributes: Mapping[str, Any] | None = None,
) -> ChatCall:
    """The ``llm`` span of one chat call, to enter with ``with``; the prompt is its input.

    ``attributes`` are the caller's additions (the guard's upstream and attempt number).
    """
    attrs: dict[str, Any] = {
        sc.GEN_AI_OPERATION_NAME: "chat",
        sc.GEN_AI_PROVIDER_NAME: provider.name,
        sc.GEN_AI_REQUEST_MODEL: request.model,
        sc.SF_MODEL_PIN: str(request.pin or request.model),
    }
    # Only what was asked for: an unset parameter is the provider's default, not a value.
    asked = {
        sc.GEN_AI_REQUEST_TEMPERATURE: request.temperature,
        sc.GEN_AI_REQUEST_TOP_P: request.top_p,
        sc.GEN_AI_REQUEST_MAX_TOKENS: request.max_tokens,
        sc.GEN_AI_REQUEST_SEED: request.seed,
    }
    attrs.update({k: v for k, v in asked.items() if v is not None})
    if streaming:
        attrs[sc.SF_STREAMING] = True
    if attributes:
        attrs.update(attributes)
    # The messages as they are: the span takes a JSON-safe copy of its input at once.
    span = tracing.span(
        f"chat {request.model}", kind=SpanKind.LLM, attributes=attrs, input=request.messages
    )
    return ChatCall(span, provider, request)


def embedding_call(provider: Provider, request: EmbeddingRequest) -> EmbeddingCall:
    """The ``embedding`` span of one embedding call, to enter with ``with``; the texts are its
    input."""
    attributes = {
        sc.GEN_AI_OPERATION_NAME: "embeddings",
        sc.GEN_AI_PROVIDER_NAME: provider.name,
        sc.GEN_AI_REQUEST_MODEL: request.model,
        sc.SF_MODEL_PIN: str(request.pin or request.model),
    }
    span = tracing.span(
        f"embeddings {request.model}",
        kind=SpanKind.EMBEDDING,
        attributes=attributes,
        input=request.input,
    )
    return EmbeddingCall(span, provider, request)


def _record_served(
    span: Span,
    provider: Provider,
    request: ChatRequest | EmbeddingRequest,
    response: ChatResponse | EmbeddingResponse,
) -> PinCheck:
    fingerprint = getattr(response, "system_fingerprint", None)
    check = provider.pins.check(request.pin or request.model, response.model, fingerprint)
    attributes: dict[str, Any] = {
        sc.GEN_AI_RESPONSE_MODEL: response.model,
        sc.SF_MODEL_MISMATCH: not check.matches,
    }
    if fingerprint:
        attributes[sc.SF_MODEL_FINGERPRINT] = fingerprint
    if check.fingerprint_changed:
        attributes[sc.SF_MODEL_FINGERPRINT_CHANGED] = True
    if check.served_changed:
        attributes[sc.SF_MODEL_SERVED_CHANGED] = True
    span.set_attributes(attributes)
    return check


def _record_usage(span: Span, model: str, usage: Usage) -> None:
    tracing.record_usage(
        span,
        model=model,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cached_input_tokens=usage.cached_input_tokens,
        reasoning_tokens=usage.reasoning_tokens,
    )


def _output(response: ChatResponse) -> Any:
    # A single plain answer is stored as its text, which is what people search and diff.
    if len(response.choices) == 1 and not response.choices[0].tool_calls:
        return response.choices[0].content
    return [
        {"role": c.role, "content": c.content, "tool_calls": list(c.tool_calls)}
        for c in response.choices
    ]


def raise_if_filtered(provider: str, response: ChatResponse) -> None:
    """Raise :class:`ContentFiltered` when every choice was refused or filtered."""
    for choice in response.choices:
        if choice.finish_reason != "content_filter" and choice.refusal is None:
            return  # one answered choice is enough: the usual case stops at the first
    filtered = [
        c for c in response.choices if c.finish_reason == "content_filter" or c.refusal is not None
    ]
    if filtered and len(filtered) == len(response.choices):
        reason = filtered[0].refusal or "finish_reason=content_filter"
        raise ContentFiltered(
            f"{provider!r} refused to answer (model {response.model!r}): {reason}",
            provider=provider,
        )
