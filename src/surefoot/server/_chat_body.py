"""The chat completions request body: OpenAI's fields, validated once, as a guard request."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from surefoot.providers import ChatRequest, ResponseFormat

__all__ = ["ChatCompletionBody"]

_FIELDS = frozenset(
    {"model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens",
     "stop", "seed", "n", "response_format", "logprobs", "top_logprobs", "tools",
     "tool_choice", "stream", "stream_options", "user"}
)  # fmt: skip


class TextFormat(BaseModel):
    """Free text."""

    type: Literal["text"]


class JsonObjectFormat(BaseModel):
    """Any JSON object."""

    type: Literal["json_object"]


class JsonSchemaSpec(BaseModel):
    """The schema the output must validate against."""

    name: str = "response"
    schema_: dict[str, Any] = Field(default_factory=dict, alias="schema")
    strict: bool = True


class JsonSchemaFormat(BaseModel):
    """JSON that validates against a schema."""

    type: Literal["json_schema"]
    json_schema: JsonSchemaSpec


class ChatCompletionBody(BaseModel):
    """OpenAI's chat completions request; fields surefoot does not model pass through."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1, max_length=200)
    messages: list[dict[str, Any]] = Field(min_length=1)
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    n: Literal[1] | None = Field(None, description="Only one choice is supported.")
    response_format: Annotated[
        TextFormat | JsonObjectFormat | JsonSchemaFormat | None, Field(discriminator="type")
    ] = None
    logprobs: bool = False
    top_logprobs: int | None = Field(None, ge=0, le=20)
    tools: list[dict[str, Any]] | None = None
    tool_choice: Any = None
    stream: bool = Field(False, description="Answer with server-sent events.")
    stream_options: dict[str, Any] | None = None
    user: str | None = None

    def to_request(self) -> ChatRequest:
        """The guard's request; unknown fields travel in ``extra_body``."""
        extra = {k: v for k, v in (self.model_extra or {}).items() if k not in _FIELDS}
        return ChatRequest(
            model=self.model,
            messages=self.messages,
            temperature=self.temperature,
            top_p=self.top_p,
            max_tokens=self.max_completion_tokens or self.max_tokens,
            stop=self.stop,
            seed=self.seed,
            response_format=_response_format(self.response_format),
            logprobs=self.logprobs,
            top_logprobs=self.top_logprobs,
            tools=self.tools,
            tool_choice=self.tool_choice,
            extra_body=extra or None,
        )


def _response_format(
    value: TextFormat | JsonObjectFormat | JsonSchemaFormat | None,
) -> ResponseFormat | None:
    if isinstance(value, JsonObjectFormat):
        return ResponseFormat.json_object()
    if isinstance(value, JsonSchemaFormat):
        spec = value.json_schema
        return ResponseFormat.json_schema(spec.schema_, name=spec.name, strict=spec.strict)
    return None
