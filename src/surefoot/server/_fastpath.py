"""The gateway's hot route, answered before FastAPI's middleware stack.

Every request through a FastAPI app crosses its native-telemetry check, Starlette's error and
exception middleware, an exit stack and the router before a route runs: tens of microseconds per
request, more than surefoot's own auth and validation. :class:`SurefootApp` hands
``POST /v1/chat/completions`` straight to a small ASGI stack instead: the same metrics and size
cap middleware, the same endpoint and the same error handlers, so the answers are identical.
The FastAPI route of the same path stays registered: it documents the operation in OpenAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from starlette.requests import Request

from surefoot.server._errors import handle_error
from surefoot.server._metrics import MetricsMiddleware
from surefoot.server._ratelimit import BodySizeLimit

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.responses import Response
    from starlette.routing import Route
    from starlette.types import ASGIApp, Receive, Scope, Send

    from surefoot.server._metrics import Metrics

__all__ = ["FastRoute", "SurefootApp"]


class SurefootApp(FastAPI):
    """A FastAPI app that answers a few hot ``POST`` paths before its middleware stack."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fast_posts: dict[str, FastRoute] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Dispatch a hot path to its fast route; everything else to FastAPI."""
        if scope["type"] == "http" and scope["method"] == "POST" and not self.root_path:
            fast = self.fast_posts.get(scope["path"])
            if fast is not None:
                scope["app"] = self
                await fast(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


class FastRoute:
    """One endpoint behind the metrics and size-cap middleware and the app's error handlers.

    Args:
        route: the route whose template labels the metrics.
        endpoint: ``request -> response``, raising errors the handlers answer.
        metrics: the app's metrics.
        max_bytes: the request body cap (``server.max_request_bytes``).
    """

    def __init__(
        self,
        route: Route,
        endpoint: Callable[[Request], Awaitable[Response]],
        metrics: Metrics,
        max_bytes: int,
    ) -> None:
        self.route = route
        self.endpoint = endpoint
        self._stack: ASGIApp = MetricsMiddleware(BodySizeLimit(self._answer, max_bytes), metrics)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request."""
        scope["route"] = self.route  # what the metrics label by, as the router would set it
        await self._stack(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self.endpoint(request)
        except Exception as exc:
            response = await handle_error(request, exc)
        await response(scope, receive, send)
