"""The API server: OTLP/HTTP trace ingest, the REST API, Prometheus metrics and API keys.

Build it with :func:`create_app` and serve it with uvicorn, or run ``surefoot serve``.
"""

from surefoot.server._app import create_app
from surefoot.server._auth import Authenticator, Scope, check_exposure, require_scope
from surefoot.server._errors import ApiError, ErrorDetail, ErrorResponse

__all__ = [
    "ApiError",
    "Authenticator",
    "ErrorDetail",
    "ErrorResponse",
    "Scope",
    "check_exposure",
    "create_app",
    "require_scope",
]
