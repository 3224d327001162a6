"""Errors at the HTTP boundary: one JSON shape for every failure, and never a 500 for bad input.

Every error body is OpenAI's shape, so the OpenAI-compatible routes and the REST API answer alike
and OpenAI SDKs surface the message::

    {"error": {"message": "...what went wrong and how to fix it", "type": "...", "code": "..."}}

``type`` is OpenAI's coarse class (``invalid_request_error``, ``authentication_error`` ...);
``code`` is surefoot's precise reason (``payload_too_large``, ``missing_scope`` ...).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from surefoot.core.errors import InvalidInput, MigrationRequired, StoreUnavailable

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from fastapi import FastAPI, Request

__all__ = [
    "ApiError",
    "ErrorDetail",
    "ErrorResponse",
    "error_responses",
    "handle_error",
    "install_handlers",
]

logger = logging.getLogger("surefoot.server")

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    429: "rate_limit_error",
    503: "service_unavailable_error",
}
STORE_RETRY_AFTER_S = 5


class ErrorDetail(BaseModel):
    """What went wrong, in OpenAI's error format."""

    message: str = Field(description="What went wrong and how to fix it.")
    type: str = Field(description="The class of error, as OpenAI names them.")
    code: str | None = Field(None, description="surefoot's precise reason, machine-readable.")


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


class ApiError(Exception):
    """An error to answer with: status, message and a machine-readable code.

    Args:
        status_code: the HTTP status.
        message: what went wrong and how to fix it.
        code: surefoot's precise reason.
        headers: extra response headers (``Retry-After``, ``WWW-Authenticate``).
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.code = code
        self.headers = dict(headers or {})


def error_response(
    status_code: int,
    message: str,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The JSON response for an error."""
    kind = _TYPES.get(
        status_code, "server_error" if status_code >= 500 else "invalid_request_error"
    )
    body = ErrorResponse(error=ErrorDetail(message=message, type=kind, code=code))
    return JSONResponse(body.model_dump(), status_code=status_code, headers=headers)


def error_responses(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting the error shape for ``status_codes``."""
    return {code: {"model": ErrorResponse} for code in status_codes}


def _describe_validation(exc: RequestValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err.get("loc", ()))
        problems.append(f"{where}: {err.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(problems)


async def _on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.message, exc.code, exc.headers)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    # 400, not FastAPI's 422: OpenAI answers malformed requests with 400, and so do we.
    assert isinstance(exc, RequestValidationError)
    return error_response(400, _describe_validation(exc), "invalid_parameter")


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = f"no route {request.url.path}; /openapi.json lists the routes"
    return error_response(exc.status_code, message, None, exc.headers)


async def _on_invalid_input(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidInput)
    return error_response(400, str(exc), "invalid_input")


async def _on_store_down(request: Request, exc: Exception) -> JSONResponse:
    # 503 with Retry-After: OTLP exporters and HTTP clients retry it, so nothing is lost.
    retry = {"Retry-After": str(STORE_RETRY_AFTER_S)}
    return error_response(503, f"the store is unavailable: {exc}", "store_unavailable", retry)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error(
        "surefoot: unhandled error on %s %s", request.method, request.url.path, exc_info=exc
    )
    return error_response(500, "internal error; the server log has the details", "internal")


# Most specific first, as Starlette looks handlers up along the exception's MRO.
_HANDLERS: tuple[
    tuple[type[Exception], Callable[[Request, Exception], Awaitable[JSONResponse]]], ...
] = (
    (ApiError, _on_api_error),
    (RequestValidationError, _on_validation),
    (StarletteHTTPException, _on_http),
    (InvalidInput, _on_invalid_input),
    (StoreUnavailable, _on_store_down),
    (MigrationRequired, _on_store_down),
    (Exception, _on_unexpected),
)


def install_handlers(app: FastAPI) -> None:
    """Answer every error raised by a route in the one JSON shape."""
    for kind, handler in _HANDLERS:
        app.add_exception_handler(kind, handler)


async def handle_error(request: Request, exc: Exception) -> JSONResponse:
    """The response the installed handlers give ``exc``, for routes outside the middleware."""
    for kind, handler in _HANDLERS:
        if isinstance(exc, kind):
            return await handler(request, exc)
    raise exc  # unreachable: Exception matches everything
