"""Request and response types every provider speaks.

A :class:`ChatRequest` says what to ask; a provider answers with a :class:`ChatResponse`, or with
:class:`ChatChunk` s when streaming. Embeddings use :class:`EmbeddingRequest` and
:class:`EmbeddingResponse`. The shapes follow OpenAI's chat completions API because every
OpenAI-compatible server (vLLM, llama.cpp, Ollama, LiteLLM, Azure) speaks it; other providers map
onto them.

These are frozen, slotted dataclasses rather than pydantic models on purpose: they are built on
every call (once per chunk when streaming), where a pydantic model costs several microseconds of
validation per nested object. Validation happens once, where foreign JSON enters
(:mod:`surefoot.providers._wire`), and turns into :class:`~surefoot.core.errors.MalformedResponse`
there. Change a request with :func:`dataclasses.replace`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

if TYPE_CHECKING:
    from surefoot.providers._pins import ModelRef

__all__ = [
    "ChatChunk",
    "ChatRequest",
    "ChatResponse",
    "Choice",
    "ChunkChoice",
    "EmbeddingRequest",
    "EmbeddingResponse",
    "Message",
    "ResponseFormat",
    "TokenLogprob",
    "TopLogprob",
    "Usage",
]

Message: TypeAlias = Mapping[str, Any]
"""One chat message as OpenAI writes it: ``{"role": "user", "content": "..."}``; passed through."""


@dataclass(frozen=True, slots=True)
class ResponseFormat:
    """The output format asked of the model: free text, any JSON object, or a JSON schema.

    Examples:
        >>> ResponseFormat.json_object().to_openai()
        {'type': 'json_object'}
        >>> ResponseFormat.json_schema({"type": "object"}, name="answer").to_openai()["type"]
        'json_schema'
    """

    type: Literal["text", "json_object", "json_schema"] = "text"
    schema: Mapping[str, Any] | None = None
    name: str = "response"
    strict: bool = True

    @classmethod
    def json_object(cls) -> ResponseFormat:
        """Any syntactically valid JSON object."""
        return cls(type="json_object")

    @classmethod
    def json_schema(
        cls, schema: Mapping[str, Any], *, name: str = "response", strict: bool = True
    ) -> ResponseFormat:
        """JSON that validates against ``schema``."""
        return cls(type="json_schema", schema=schema, name=name, strict=strict)

    def to_openai(self) -> dict[str, Any]:
        """The ``response_format`` value of an OpenAI chat completions body."""
        if self.type != "json_schema":
            return {"type": self.type}
        spec = {"name": self.name, "schema": dict(self.schema or {}), "strict": self.strict}
        return {"type": "json_schema", "json_schema": spec}


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatRequest:
    """One chat completion request.

    Args:
        model: the model id sent to the provider.
        messages: the conversation, as OpenAI message dicts (passed through unchanged).
        temperature: sampling temperature; ``None`` leaves the provider's default.
        top_p: nucleus sampling mass.
        max_tokens: cap on generated tokens.
        stop: stop sequence(s).
        seed: sampling seed, for providers that honour one.
        n: number of choices.
        response_format: text, JSON object or JSON schema output.
        logprobs: ask for per-token log probabilities.
        top_logprobs: how many alternatives per token (implies ``logprobs``).
        tools: tool definitions, passed through.
        tool_choice: passed through.
        extra_body: provider-specific fields merged into the body last.
        timeout_s: timeout of this attempt; ``None`` uses the provider's default.
        pin: the pinned model this request is for; its expected served id is checked against the
            response. ``None`` means ``model`` itself is the pin.
    """

    model: str
    messages: Sequence[Message]
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: str | Sequence[str] | None = None
    seed: int | None = None
    n: int | None = None
    response_format: ResponseFormat | None = None
    logprobs: bool = False
    top_logprobs: int | None = None
    tools: Sequence[Mapping[str, Any]] | None = None
    tool_choice: Any = None
    extra_body: Mapping[str, Any] | None = None
    timeout_s: float | None = None
    pin: ModelRef | None = None


@dataclass(frozen=True, slots=True)
class TopLogprob:
    """One alternative token and its log probability."""

    token: str
    logprob: float


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    """A generated token, its log probability and the most likely alternatives."""

    token: str
    logprob: float
    top_logprobs: tuple[TopLogprob, ...] = ()


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one call. ``cached`` and ``reasoning`` tokens are included in the totals."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True, slots=True)
class Choice:
    """One completed answer.

    ``refusal`` is the provider's explicit refusal text, when it sent one; a provider raises
    :class:`~surefoot.core.errors.ContentFiltered` rather than return only refused choices.
    """

    index: int
    content: str | None
    finish_reason: str | None
    role: str = "assistant"
    tool_calls: tuple[Mapping[str, Any], ...] = ()
    refusal: str | None = None
    logprobs: tuple[TokenLogprob, ...] | None = None


@dataclass(frozen=True, slots=True)
class ChatResponse:
    """A completed chat call.

    Args:
        id: the provider's response id.
        model: the model id the provider says served the call (compare with the pin).
        choices: the answers, by index.
        usage: token counts.
        system_fingerprint: the backend configuration id, when the provider sends one.
        created: the provider's timestamp, seconds since the epoch.
        raw: the JSON as received, for fields surefoot does not model.
    """

    id: str
    model: str
    choices: tuple[Choice, ...]
    usage: Usage = field(default_factory=Usage)
    system_fingerprint: str | None = None
    created: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def content(self) -> str:
        """The first choice's text, ``""`` when it has none."""
        return (self.choices[0].content or "") if self.choices else ""

    @property
    def finish_reason(self) -> str | None:
        """The first choice's finish reason."""
        return self.choices[0].finish_reason if self.choices else None

    @property
    def finish_reasons(self) -> tuple[str, ...]:
        """Every choice's finish reason that is set, in choice order."""
        return tuple(c.finish_reason for c in self.choices if c.finish_reason)


@dataclass(frozen=True, slots=True)
class ChunkChoice:
    """The increment of one choice carried by a streamed chunk."""

    index: int
    content: str | None = None
    finish_reason: str | None = None
    role: str | None = None
    tool_calls: tuple[Mapping[str, Any], ...] = ()
    refusal: str | None = None
    logprobs: tuple[TokenLogprob, ...] | None = None


@dataclass(frozen=True, slots=True)
class ChatChunk:
    """One streamed increment. The last chunks carry the finish reason and, if sent, usage."""

    id: str
    model: str
    choices: tuple[ChunkChoice, ...]
    usage: Usage | None = None
    system_fingerprint: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def content(self) -> str:
        """The first choice's new text, ``""`` when none."""
        return (self.choices[0].content or "") if self.choices else ""

    @property
    def finish_reason(self) -> str | None:
        """The first choice's finish reason, on the chunk that ends it."""
        return self.choices[0].finish_reason if self.choices else None


@dataclass(frozen=True, slots=True, kw_only=True)
class EmbeddingRequest:
    """Embed one or more texts.

    Args:
        model: the embedding model id.
        input: the texts; one vector is returned per text, in order.
        dimensions: output size, for models that can shorten vectors.
        extra_body: provider-specific fields merged into the body last.
        timeout_s: timeout of this attempt; ``None`` uses the provider's default.
        pin: the pinned model; ``None`` means ``model`` itself is the pin.
    """

    model: str
    input: Sequence[str]
    dimensions: int | None = None
    extra_body: Mapping[str, Any] | None = None
    timeout_s: float | None = None
    pin: ModelRef | None = None


@dataclass(frozen=True, slots=True)
class EmbeddingResponse:
    """Vectors in input order, with the served model id and usage."""

    model: str
    vectors: tuple[tuple[float, ...], ...]
    usage: Usage = field(default_factory=Usage)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
