"""A keep-alive HTTP/1.1 connection pool for the async provider, without per-request scans.

httpcore's ``AsyncConnectionPool`` re-examines every connection on every request and every
response close: each idle connection's socket is polled to see whether the server dropped it.
With the dozens of idle connections a gateway keeps under concurrency that is dozens of system
calls per request, and measured against a local upstream at 64 concurrent requests a larger
keep-alive limit made the gateway three times slower, not faster (docs/server.md, *Upstream
connections*). This pool keeps idle connections per origin on a stack and looks only at the
one it is about to reuse, so a request costs the same with 1 or 100 connections open. The
connections themselves are httpcore's ``AsyncHTTPConnection`` (parsing, TLS, timeouts and
cancellation are httpcore's) over asyncio's streams (:mod:`surefoot.providers._netio`).
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpcore

from surefoot.providers._netio import AsyncioBackend

if TYPE_CHECKING:
    import ssl
    from collections.abc import AsyncIterator, Iterable, Sequence

__all__ = ["AsyncKeepAlivePool"]

_BACKEND = AsyncioBackend()  # stateless: one for every connection
_Key = tuple[bytes, bytes, int]  # scheme, host, port: httpcore's Origin is not hashable


def _key(origin: httpcore.Origin) -> _Key:
    return origin.scheme, origin.host, origin.port


class AsyncKeepAlivePool:
    """At most ``max_connections`` connections, ``max_keepalive`` of them kept idle per origin.

    A request reuses the most recently idle connection to its origin (unless it expired or the
    server closed it), else opens one while under the limit, else waits for one up to the
    request's ``pool`` timeout (``httpcore.PoolTimeout``). A connection goes back to the pool
    when its response is closed with the connection idle; anything else (an error, a cut or
    cancelled response, ``Connection: close``) closes it. One event loop only, like httpcore's.

    Args:
        max_connections: connections open at once, idle or in use.
        max_keepalive: idle connections kept per origin.
        keepalive_expiry: seconds an idle connection is kept.
        socket_options: options set on every new socket (``TCP_NODELAY``).
        ssl_context: for ``https`` origins; default httpcore's (certifi's CA bundle).
    """

    def __init__(
        self,
        *,
        max_connections: int,
        max_keepalive: int,
        keepalive_expiry: float,
        socket_options: Iterable[tuple[int, int, int]] = (),
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._ssl_context = ssl_context
        self._max = max_connections
        self._max_keepalive = max_keepalive
        self._expiry = keepalive_expiry
        self._socket_options = list(socket_options)
        self._idle: dict[_Key, list[httpcore.AsyncHTTPConnection]] = {}
        self._open = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False

    @property
    def open_connections(self) -> int:
        """Connections open now, idle or in use."""
        return self._open

    @property
    def idle_connections(self) -> int:
        """Connections open and idle now."""
        return sum(len(stack) for stack in self._idle.values())

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Sequence[tuple[str, str]],
        content: bytes,
        extensions: dict[str, Any],
    ) -> httpcore.Response:
        """Send a request and read the whole response (the connection is back in the pool)."""
        request = _request(method, url, headers, content, extensions)
        response = await self.handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        url: str,
        *,
        headers: Sequence[tuple[str, str]],
        content: bytes,
        extensions: dict[str, Any],
    ) -> AsyncIterator[httpcore.Response]:
        """Send a request; yield the response with its body unread, closed on leaving."""
        request = _request(method, url, headers, content, extensions)
        response = await self.handle_async_request(request)
        try:
            yield response
        finally:
            await response.aclose()

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        """Send ``request`` on a pooled connection; the response's close returns it."""
        if self._closed:
            raise RuntimeError("the connection pool is closed; create a new provider")
        origin = request.url.origin
        connection = await self._acquire(origin, request.extensions.get("timeout", {}))
        try:
            response = await connection.handle_async_request(request)
        except BaseException:
            await self._discard(connection)
            raise
        stream = _Returning(response.stream, self, connection, _key(origin))
        return httpcore.Response(
            status=response.status,
            headers=response.headers,
            content=stream,
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Close the idle connections; connections in use close when their responses do."""
        self._closed = True
        idle = [c for stack in self._idle.values() for c in stack]
        self._idle.clear()
        for connection in idle:
            await self._discard(connection)

    async def _acquire(
        self, origin: httpcore.Origin, timeouts: dict[str, float | None]
    ) -> httpcore.AsyncHTTPConnection:
        loop = asyncio.get_running_loop()
        pool_timeout = timeouts.get("pool")
        deadline = None if pool_timeout is None else loop.time() + pool_timeout
        while True:
            stack = self._idle.get(_key(origin))
            while stack:
                connection = stack.pop()
                # One poll, of this connection only: did the server close it while idle?
                if connection.is_idle() and not connection.has_expired():
                    return connection
                await self._discard(connection)
            if self._open < self._max:
                self._open += 1
                return httpcore.AsyncHTTPConnection(
                    origin,
                    ssl_context=self._ssl_context,
                    keepalive_expiry=self._expiry,
                    socket_options=self._socket_options,
                    network_backend=_BACKEND,
                )
            await self._wait(loop, deadline)

    async def _wait(self, loop: asyncio.AbstractEventLoop, deadline: float | None) -> None:
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        try:
            if deadline is None:
                await waiter
            else:
                async with asyncio.timeout_at(deadline):
                    await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self._wake_one()  # woken just as it gave up: the free slot goes to the next
            else:
                waiter.cancel()  # its place in the queue is void; _wake_one skips it
            if isinstance(exc, TimeoutError):
                raise httpcore.PoolTimeout(
                    f"no connection became free within the pool timeout ({self._max} in use)"
                ) from None
            raise

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def _release(self, connection: httpcore.AsyncHTTPConnection, key: _Key) -> None:
        stack = self._idle.setdefault(key, [])
        if not self._closed and connection.is_idle() and len(stack) < self._max_keepalive:
            stack.append(connection)
            self._wake_one()
            return
        await self._discard(connection)

    async def _discard(self, connection: httpcore.AsyncHTTPConnection) -> None:
        # The slot is freed before the close is awaited: a cancellation during the close must
        # not leak it.
        self._open -= 1
        self._wake_one()
        await connection.aclose()


def _request(
    method: str,
    url: str,
    headers: Sequence[tuple[str, str]],
    content: bytes,
    extensions: dict[str, Any],
) -> httpcore.Request:
    # What httpcore's request() adds before its pool sees a request: Host and Content-Length.
    parsed = httpcore.URL(url)
    default_port = {b"http": 80, b"https": 443}.get(parsed.scheme)
    host = parsed.host
    if parsed.port is not None and parsed.port != default_port:
        host += b":%d" % parsed.port
    sent = [(b"Host", host), (b"Content-Length", b"%d" % len(content))]
    sent += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    return httpcore.Request(method, parsed, headers=sent, content=content, extensions=extensions)


class _Returning:
    """A response body that hands its connection back to the pool when closed."""

    def __init__(
        self,
        stream: object,
        pool: AsyncKeepAlivePool,
        connection: httpcore.AsyncHTTPConnection,
        key: _Key,
    ) -> None:
        self._stream = stream
        self._pool = pool
        self._connection = connection
        self._key = key
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:  # type: ignore[attr-defined]
            yield chunk

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            close = getattr(self._stream, "aclose", None)
            if close is not None:
                await close()
        finally:
            await self._pool._release(self._connection, self._key)
