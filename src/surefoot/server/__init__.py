"""The API server: OTLP/HTTP trace ingest, the REST API, Prometheus metrics, API keys
and the OpenAI-compatible gateway (chat completions, embeddings, models).

Build it with :func:`create_app` and serve it with uvicorn, or run ``surefoot serve``.
"""

from surefoot.server._aliases import MAX_FALLBACK_DEPTH, Gateway, build_gateway, fallback_chain
from surefoot.server._app import create_app
from surefoot.server._auth import Authenticator, Scope, check_exposure, require_scope
from surefoot.server._errors import ApiError, ErrorDetail, ErrorResponse

__all__ = [
    "MAX_FALLBACK_DEPTH",
    "ApiError",
    "Authenticator",
    "ErrorDetail",
    "ErrorResponse",
    "Gateway",
    "Scope",
    "build_gateway",
    "check_exposure",
    "create_app",
    "fallback_chain",
    "require_scope",
]
