"""``POST /v1/chat/completions``: the OpenAI-compatible gateway, every call through the guard.

Any OpenAI client can point its ``base_url`` at the server. The body is validated once, turned
into a :class:`~surefoot.providers.ChatRequest` and answered by :meth:`Guard.acomplete`; the
answer is OpenAI's ``chat.completion`` plus a ``surefoot`` object carrying the decision, and the
``x-surefoot-trace-id`` / ``x-surefoot-decision`` headers. A refusal is an OpenAI-shaped error
whose status says who should act (:func:`refusal_status`). The caller's ``Authorization`` header
is never forwarded upstream: upstreams carry their own keys, configured on the guard's providers.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from surefoot.core._records import DecisionStatus
from surefoot.core.errors import (
    BudgetExceeded,
    CircuitOpen,
    ContentFiltered,
    DeadlineExceeded,
    InvalidInput,
    MalformedResponse,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    SurefootError,
    ValidationFailed,
)
from surefoot.guard import Guard, GuardResult
from surefoot.providers import ChatRequest, ResponseFormat
from surefoot.server._auth import Scope, require_scope
from surefoot.server._errors import ApiError, error_responses
from surefoot.store import ApiKey

__all__ = ["ChatCompletionBody", "refusal_status", "router"]

router = APIRouter(tags=["gateway"])
_FIELDS = frozenset(
    {"model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens",
     "stop", "seed", "n", "response_format", "logprobs", "top_logprobs", "tools",
     "tool_choice", "stream", "user"}
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
    stream: Literal[False] = Field(False, description="Streaming is not served yet.")
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


# Most specific first: who has to act decides the status.
_REFUSALS: tuple[tuple[type[SurefootError], int, str], ...] = (
    (InvalidInput, 400, "invalid_input"),
    (ContentFiltered, 400, "content_filter"),
    (BudgetExceeded, 429, "budget_exceeded"),
    (RateLimited, 429, "upstream_rate_limited"),
    (DeadlineExceeded, 504, "deadline_exceeded"),
    (ProviderTimeout, 504, "upstream_timeout"),
    (CircuitOpen, 503, "circuit_open"),
    (ProviderUnavailable, 503, "upstream_unavailable"),
    (ValidationFailed, 502, "validation_failed"),
    (MalformedResponse, 502, "upstream_malformed"),
)


def refusal_status(error: SurefootError | None) -> tuple[int, str]:
    """The HTTP status and code of a refused request, from the error that explains it."""
    for kind, status, code in _REFUSALS:
        if isinstance(error, kind):
            return status, code
    return 502, "upstream_error"


def _headers(result: GuardResult) -> dict[str, str]:
    headers = {"x-surefoot-decision": result.decision.status.value}
    if result.trace_id:
        headers["x-surefoot-trace-id"] = result.trace_id
    return headers


def _decision(result: GuardResult) -> dict[str, Any]:
    d = result.decision
    return {
        "decision": d.status.value,
        "confidence": d.confidence,
        "reasons": list(d.reasons),
        "caveat": d.caveat,
        "served_by": d.served_by,
        "trace_id": result.trace_id,
    }


def completion_json(body: ChatCompletionBody, result: GuardResult) -> dict[str, Any]:
    """OpenAI's ``chat.completion`` for a served result, plus the ``surefoot`` decision."""
    response = result.response
    choice = response.choices[0] if response is not None and response.choices else None
    message: dict[str, Any] = {"role": "assistant", "content": result.content}
    if choice is not None and choice.tool_calls:
        message["tool_calls"] = [dict(call) for call in choice.tool_calls]
    usage = response.usage if response is not None else None
    return {
        "id": response.id if response is not None else f"chatcmpl-{result.trace_id or 'fallback'}",
        "object": "chat.completion",
        "created": (response.created if response is not None else None) or int(time.time()),
        "model": response.model if response is not None else body.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": (choice.finish_reason if choice is not None else None) or "stop",
            }
        ],
        "usage": {
            "prompt_tokens": usage.input_tokens if usage else 0,
            "completion_tokens": usage.output_tokens if usage else 0,
            "total_tokens": usage.total_tokens if usage else 0,
        },
        "system_fingerprint": response.system_fingerprint if response is not None else None,
        "surefoot": _decision(result),
    }


@router.post(
    "/v1/chat/completions",
    summary="OpenAI-compatible chat completions through the guard",
    responses=error_responses(400, 401, 403, 413, 429, 502, 503, 504),
)
async def chat_completions(
    body: ChatCompletionBody,
    request: Request,
    key: Annotated[ApiKey | None, Depends(require_scope(Scope.GATEWAY))],
) -> JSONResponse:
    """Answer a chat completion under the guard's deadlines, retries, fallbacks and validation."""
    state = request.app.state.surefoot
    guard = state.guard
    assert isinstance(guard, Guard)
    result = await guard.acomplete(body.to_request(), key=None if key is None else key.key_id)
    state.metrics.count_decision(result.decision.status)
    headers = _headers(result)
    if result.ok:
        return JSONResponse(completion_json(body, result), headers=headers)
    if result.decision.status is DecisionStatus.ESCALATE:
        # Not served, deliberately: a client must not show an empty answer as if it were one.
        status, code = 503, "escalated_for_review"
        reasons = ", ".join(result.decision.reasons) or "low confidence"
        message = f"the answer needs human review ({reasons}); it was queued for a reviewer"
    else:
        status, code = refusal_status(result.error)
        reasons = ", ".join(result.decision.reasons) or "no reason given"
        message = str(result.error) if result.error else f"the request was refused ({reasons})"
    if result.trace_id:
        message = f"{message} (trace {result.trace_id})"
    retry = getattr(result.error, "retry_after_s", None)
    if isinstance(retry, int | float) and retry > 0:
        headers["Retry-After"] = str(max(1, round(retry)))
    raise ApiError(status, message, code=code, headers=headers)
