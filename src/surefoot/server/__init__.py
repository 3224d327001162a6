"""The API server: OTLP/HTTP trace ingest, the REST API, Prometheus metrics, API keys
and the OpenAI-compatible gateway.

Build it with :func:`create_app` and serve it with uvicorn, or run ``surefoot serve``.
"""

from surefoot.server._aliases import Gateway, build_gateway
from surefoot.server._app import create_app
from surefoot.server._auth import Authenticator, Scope, check_exposure, require_scope
from surefoot.server._errors import ApiError, ErrorDetail, ErrorResponse

__all__ = [
    "ApiError",
    "Authenticator",
    "ErrorDetail",
    "ErrorResponse",
    "Gateway",
    "Scope",
    "build_gateway",
    "check_exposure",
    "create_app",
    "require_scope",
]
