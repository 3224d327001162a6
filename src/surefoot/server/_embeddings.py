"""``POST /v1/embeddings``: OpenAI's embeddings API through a model alias's upstreams.

The alias resolves as for chat (``[models.<alias>]``: pinned model, timeouts, breakers,
fallbacks, deadline; see :mod:`surefoot.server._embed_driver`); ``Idempotency-Key`` replays the
first response; ``x-surefoot-served-by`` names the upstream that answered. The answer is OpenAI's
``list`` of ``embedding`` objects, as floats or, with ``encoding_format: base64`` (what the
official SDKs ask for by default), as little-endian float32 bytes in base64.
"""

from __future__ import annotations

import array
import base64
import sys
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from surefoot.providers import EmbeddingRequest, EmbeddingResponse
from surefoot.server._auth import Scope, require_scope
from surefoot.server._embed_driver import EmbedOutcome, aembed
from surefoot.server._errors import ApiError, error_responses
from surefoot.server._gateway import (
    add_retry_after,
    decision_headers,
    guard_or_404,
    refusal_status,
)
from surefoot.server._idempotent import HEADER, idempotent
from surefoot.server._json_response import GatewayJSONResponse
from surefoot.store import ApiKey

__all__ = ["EmbeddingsBody", "embeddings_json", "router"]

router = APIRouter(tags=["gateway"])
_MAX_INPUTS = 2048  # OpenAI's own cap on inputs per request
_FIELDS = frozenset({"model", "input", "encoding_format", "dimensions", "user"})


class EmbeddingsBody(BaseModel):
    """OpenAI's embeddings request; unknown fields pass through to the upstream."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1, max_length=200)
    # Token-id arrays are not accepted: surefoot pins models by name and may fall back to an
    # upstream with another tokenizer, where the same ids mean other text.
    input: str | Annotated[list[str], Field(min_length=1, max_length=_MAX_INPUTS)] = Field(
        description="A text, or a list of 1 to 2048 texts, to embed."
    )
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(None, ge=1)
    user: str | None = None

    def texts(self) -> list[str]:
        """The inputs as a list of texts."""
        return [self.input] if isinstance(self.input, str) else list(self.input)

    def to_request(self) -> EmbeddingRequest:
        """The provider's request; unknown fields travel in ``extra_body``."""
        extra = {k: v for k, v in (self.model_extra or {}).items() if k not in _FIELDS}
        if self.user is not None:
            extra["user"] = self.user
        return EmbeddingRequest(
            model=self.model,
            input=self.texts(),
            dimensions=self.dimensions,
            extra_body=extra or None,
        )


def _encode(vector: tuple[float, ...], encoding: str) -> list[float] | str:
    if encoding == "float":
        return list(vector)
    packed = array.array("f", vector)
    if sys.byteorder != "little":  # the wire format is little-endian float32
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def embeddings_json(
    body: EmbeddingsBody,
    response: EmbeddingResponse,
    served_by: str | None,
    decision: str = "serve",
    trace_id: str | None = None,
) -> dict[str, Any]:
    """OpenAI's embeddings ``list``, plus a ``surefoot`` object: decision, serving upstream and
    trace id."""
    data = [
        {"object": "embedding", "index": i, "embedding": _encode(v, body.encoding_format)}
        for i, v in enumerate(response.vectors)
    ]
    tokens = response.usage.input_tokens
    return {
        "object": "list",
        "data": data,
        "model": response.model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        "surefoot": {"decision": decision, "served_by": served_by, "trace_id": trace_id},
    }


def _answer(body: EmbeddingsBody, outcome: EmbedOutcome) -> GatewayJSONResponse:
    if outcome.response is not None:
        # Served by another upstream than the alias's own: the client learns it fell back.
        decision = outcome.status.value
        headers = decision_headers(decision, None, outcome.served_by, outcome.trace_id)
        answer = embeddings_json(
            body, outcome.response, outcome.served_by, decision, outcome.trace_id
        )
        return GatewayJSONResponse(answer, headers=headers)
    status, code = refusal_status(outcome.error)
    headers = decision_headers(outcome.status.value, None, None, outcome.trace_id)
    add_retry_after(headers, outcome.error)
    message = f"{outcome.error} (after {outcome.attempts} attempts"
    if outcome.trace_id:
        message += f"; trace {outcome.trace_id}"
    message += ")"
    raise ApiError(status, message, code=code, headers=headers)


@router.post(
    "/v1/embeddings",
    summary="OpenAI-compatible embeddings through the alias's upstreams",
    responses=error_responses(400, 401, 403, 404, 409, 413, 422, 429, 502, 503, 504),
)
async def create_embeddings(
    body: EmbeddingsBody,
    request: Request,
    key: Annotated[ApiKey | None, Depends(require_scope(Scope.GATEWAY))],
) -> Response:
    """Embed texts under the alias's deadline, retries, breakers and fallbacks.

    With an ``Idempotency-Key`` header the first response is stored and replayed for the same
    body.
    """
    state = request.app.state.surefoot
    guard = guard_or_404(request, body.model)
    embedding_request = body.to_request()
    caller = None if key is None else key.key_id

    async def produce() -> Response:
        outcome = await aembed(guard, embedding_request)
        try:
            response = _answer(body, outcome)
        except ApiError:
            state.metrics.count_decision("refused")
            raise
        state.metrics.count_decision(response.headers["x-surefoot-decision"])
        return response

    if HEADER not in request.headers:
        return await produce()
    keys = state.idempotency
    if keys is None:
        raise ApiError(503, "the server is starting; retry shortly", code="starting")
    return await idempotent(request, keys, state.settings.gateway, caller, produce)
