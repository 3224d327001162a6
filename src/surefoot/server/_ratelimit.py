"""Per-key token buckets, and the request-size cap.

Both run on the event loop thread, before any store work, so a flood costs the server little.
The buckets are per server process: with several replicas each allows the configured rate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from surefoot.server._errors import ApiError, error_response

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodySizeLimit", "TokenBuckets"]


class TokenBuckets:
    """One token bucket per key: ``burst`` requests at once, refilled at ``rate_per_s``.

    Args:
        rate_per_s: tokens added per second; 0 turns the limit off.
        burst: the bucket's capacity.
        clock: monotonic seconds.
    """

    def __init__(self, rate_per_s: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, last refill)

    def take(self, key: str) -> float:
        """Take a token for ``key``: 0 when allowed, else the seconds until one is available."""
        if self.rate_per_s <= 0:
            return 0.0
        now = self.clock()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate_per_s)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate_per_s


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with 413, by header or while streaming.

    A pure ASGI middleware: a declared Content-Length over the limit is refused before the body
    is read; a chunked body is counted as it arrives and refused once it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            response = error_response(413, self._message(), "payload_too_large")
            await response(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Raised inside the route's body read: the exception handlers answer 413.
                    raise ApiError(413, self._message(), code="payload_too_large")
            return message

        await self.app(scope, counting_receive, send)

    def _message(self) -> str:
        return (
            f"request body exceeds the {self.max_bytes}-byte limit (server.max_request_bytes); "
            "send smaller batches"
        )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
