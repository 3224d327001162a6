"""The API server: OTLP/HTTP trace ingest, the REST API, Prometheus metrics, API keys
and the OpenAI-compatible gateway (chat completions, embeddings, models).

Build it with :func:`create_app` and serve it with :func:`run_server` (traces recorded, as
``surefoot serve`` does) or any ASGI server.
"""

from surefoot.server._aliases import MAX_FALLBACK_DEPTH, Gateway, build_gateway, fallback_chain
from surefoot.server._app import create_app
from surefoot.server._auth import Authenticator, Scope, check_exposure, require_scope
from surefoot.server._errors import ApiError, ErrorDetail, ErrorResponse
from surefoot.server._run import run_server
from surefoot.server._workers import run_workers

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
    "run_server",
    "run_workers",
]
