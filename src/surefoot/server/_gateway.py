"""The OpenAI-compatible gateway: ``/v1/chat/completions`` and ``/v1/models`` via the guard.

Any OpenAI client can point its ``base_url`` at the server. The body is validated once, turned
into a :class:`~surefoot.providers.ChatRequest` and answered by the guard of the requested model
alias; the answer is OpenAI's ``chat.completion`` (or its server-sent chunks with
``stream: true``) plus a ``surefoot`` object carrying the decision, and the
``x-surefoot-decision`` / ``-confidence`` / ``-served-by`` / ``-trace-id`` headers. A refusal is
an OpenAI-shaped error whose status says who should act (:func:`refusal_status`). The caller's
``Authorization`` header is never forwarded upstream: upstreams carry their own keys.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.responses import Response

from surefoot.core._records import DecisionStatus
from surefoot.core.errors import (
    BudgetExceeded,
    BulkheadFull,
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
from surefoot.server._aliases import Gateway
from surefoot.server._auth import Scope, require_scope
from surefoot.server._chat_body import ChatCompletionBody
from surefoot.server._errors import ApiError, error_responses
from surefoot.server._idempotent import HEADER, idempotent
from surefoot.server._json_response import GatewayJSONResponse
from surefoot.server._metrics import Metrics
from surefoot.server._sse import logprobs_json, stream_completion, usage_json
from surefoot.store import ApiKey

__all__ = [
    "ChatCompletionBody",
    "add_retry_after",
    "decision_headers",
    "decision_json",
    "fast_chat_completions",
    "gateway_of",
    "guard_or_404",
    "refusal",
    "refusal_status",
    "router",
]

router = APIRouter(tags=["gateway"])
# Most specific first: who has to act decides the status.
_REFUSALS: tuple[tuple[type[SurefootError], int, str], ...] = (
    (InvalidInput, 400, "invalid_input"),
    (ContentFiltered, 400, "content_filter"),
    (BudgetExceeded, 429, "budget_exceeded"),
    (RateLimited, 429, "upstream_rate_limited"),
    (DeadlineExceeded, 504, "deadline_exceeded"),
    (ProviderTimeout, 504, "upstream_timeout"),
    (CircuitOpen, 503, "circuit_open"),
    (BulkheadFull, 503, "upstream_overloaded"),
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


def decision_headers(
    status: str, confidence: float | None, served_by: str | None, trace_id: str | None
) -> dict[str, str]:
    """The ``x-surefoot-*`` headers of a gateway answer: decision, and each of confidence,
    serving upstream and trace id that is known."""
    headers = {"x-surefoot-decision": status}
    if confidence is not None:
        headers["x-surefoot-confidence"] = f"{confidence:.4f}"
    if served_by:
        headers["x-surefoot-served-by"] = served_by
    if trace_id:
        headers["x-surefoot-trace-id"] = trace_id
    return headers


def add_retry_after(headers: dict[str, str], error: SurefootError | None) -> None:
    """``Retry-After`` (whole seconds, at least 1) when ``error`` says when to retry."""
    retry = getattr(error, "retry_after_s", None)
    if isinstance(retry, int | float) and retry > 0:
        headers["Retry-After"] = str(max(1, round(retry)))


def _headers(result: GuardResult) -> dict[str, str]:
    d = result.decision
    return decision_headers(d.status.value, d.confidence, d.served_by, result.trace_id)


def decision_json(result: GuardResult) -> dict[str, Any]:
    """The ``surefoot`` object of a response: decision, confidence, reasons, trace id."""
    d = result.decision
    return {
        "decision": d.status.value,
        "confidence": d.confidence,
        "reasons": list(d.reasons),
        "caveat": d.caveat,
        "served_by": d.served_by,
        "trace_id": result.trace_id,
    }


def completion_json(
    body: ChatCompletionBody, result: GuardResult, *, content: str | None = None
) -> dict[str, Any]:
    """OpenAI's ``chat.completion`` for a served result, plus the ``surefoot`` decision.

    ``content`` replaces the answer's text (an escalation's configured message); the upstream's
    tool calls are then dropped, since the held-back answer is not what the client gets.
    """
    response = result.response
    choice = response.choices[0] if response is not None and response.choices else None
    # The caveat travels in the decision object, never inside the answer's text.
    message: dict[str, Any] = {
        "role": "assistant",
        "content": result.content if content is None else content,
    }
    if content is None and choice is not None and choice.tool_calls:
        message["tool_calls"] = [dict(call) for call in choice.tool_calls]
    usage = response.usage if response is not None else None
    answer: dict[str, Any] = {
        "index": 0,
        "message": message,
        "finish_reason": (choice.finish_reason if choice is not None else None) or "stop",
    }
    if body.logprobs:
        # Asked for: the served answer's, or null when the text is not the model's.
        tokens = choice.logprobs if content is None and choice is not None else None
        answer["logprobs"] = None if tokens is None else logprobs_json(tokens)
    return {
        "id": response.id if response is not None else f"chatcmpl-{result.trace_id or 'fallback'}",
        "object": "chat.completion",
        "created": (response.created if response is not None else None) or int(time.time()),
        "model": response.model if response is not None else body.model,
        "choices": [answer],
        "usage": usage_json(usage),
        "system_fingerprint": response.system_fingerprint if response is not None else None,
        "surefoot": decision_json(result),
    }


@router.get("/v1/models", summary="The model aliases the gateway serves")
async def list_models(
    request: Request,
    key: Annotated[ApiKey | None, Depends(require_scope(Scope.GATEWAY))],
) -> dict[str, Any]:
    """OpenAI's model list: one entry per alias (or per upstream of a single guard)."""
    gateway = gateway_of(request)
    names = gateway.aliases
    if gateway.default is not None:
        names += [lane.ref.model if lane.ref else lane.name for lane in gateway.default.lanes]
    return {
        "object": "list",
        "data": [{"id": n, "object": "model", "created": 0, "owned_by": "surefoot"} for n in names],
    }


@router.post(
    "/v1/chat/completions",
    summary="OpenAI-compatible chat completions through the guard",
    responses={
        200: {
            "description": "A chat.completion, or chat.completion.chunk events with stream: true",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/event-stream": {"schema": {}},
            },
        },
        **error_responses(400, 401, 403, 404, 409, 413, 422, 429, 502, 503, 504),
    },
)
async def chat_completions(
    body: ChatCompletionBody,
    request: Request,
    key: Annotated[ApiKey | None, Depends(require_scope(Scope.GATEWAY))],
) -> Response:
    """Answer a chat completion under the guard's deadlines, retries, fallbacks and validation.

    With ``stream: true`` the answer is OpenAI's server-sent events. With an
    ``Idempotency-Key`` header the first response is stored and replayed for the same body.
    """
    state = request.app.state.surefoot
    guard = guard_or_404(request, body.model)
    caller = None if key is None else key.key_id
    if body.stream:
        if HEADER in request.headers:
            raise ApiError(
                400,
                "Idempotency-Key is not supported with stream: true; send the request "
                "without streaming to make it idempotent",
                code="idempotency_not_streamable",
            )
        return await stream_completion(
            guard.astream(body.to_request(), key=caller),
            body.model,
            refuse=refusal,
            decision_json=decision_json,
            on_result=lambda r: state.metrics.count_decision(r.decision.status),
            logprobs=body.logprobs,
        )

    held = gateway_of(request).escalation_messages.get(body.model)

    async def produce() -> Response:
        return await _complete(guard, body, caller, state.metrics, held)

    if HEADER not in request.headers:
        return await produce()
    keys = state.idempotency
    if keys is None:
        raise ApiError(503, "the server is starting; retry shortly", code="starting")
    return await idempotent(request, keys, state.settings.gateway, caller, produce)


async def _complete(
    guard: Guard,
    body: ChatCompletionBody,
    caller: str | None,
    metrics: Metrics,
    escalation_message: str | None,
) -> GatewayJSONResponse:
    result = await guard.acomplete(body.to_request(), key=caller)
    metrics.count_decision(result.decision.status)
    if result.ok:
        return GatewayJSONResponse(completion_json(body, result), headers=_headers(result))
    held = escalation_message if result.decision.status is DecisionStatus.ESCALATE else None
    if held is not None:
        # The configured message stands in for the held-back answer, in a valid completion.
        answer = completion_json(body, result, content=held)
        return GatewayJSONResponse(answer, headers=_headers(result))
    raise refusal(result)


def refusal(result: GuardResult) -> ApiError:
    """The OpenAI-shaped error for a request the guard did not serve."""
    headers = _headers(result)
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
    add_retry_after(headers, result.error)
    return ApiError(status, message, code=code, headers=headers)


_require_gateway = require_scope(Scope.GATEWAY)


async def fast_chat_completions(request: Request) -> Response:
    """:func:`chat_completions` without FastAPI's per-request dependency and body machinery.

    Mounted in front of the documented route, which still defines the OpenAPI operation: the
    same key check and body model, validated in one ``model_validate_json`` call, saving about
    a third of the server's own time per request.
    """
    key = await _require_gateway(request)
    try:
        body = ChatCompletionBody.model_validate_json(await request.body())
    except ValidationError as exc:
        # The shape FastAPI gives body errors, so the 400's message is the same either way.
        errors = [{**err, "loc": ("body", *err["loc"])} for err in exc.errors()]
        raise RequestValidationError(errors) from exc
    return await chat_completions(body, request, key)


def gateway_of(request: Request) -> Gateway:
    gateway = request.app.state.surefoot.gateway
    assert isinstance(gateway, Gateway)
    return gateway


def guard_or_404(request: Request, model: str) -> Guard:
    """The guard serving ``model``; an OpenAI-style 404 when no alias does."""
    guard = gateway_of(request).guard_for(model)
    if guard is None:
        raise ApiError(
            404,
            f"model {model!r} is not served here; GET /v1/models lists the aliases",
            code="model_not_found",
        )
    return guard
