"""A keep-alive HTTP/1.1 connection pool for the async provider, without per-request scans.

httpcore's ``AsyncConnectionPool`` re-examines every connection on every request and every
response close: each idle connection's socket is polled to see whether the server dropped it.
With the dozens of idle connections a gateway keeps under concurrency that is dozens of system
calls per request, and measured against a local upstream at 64 concurrent requests a larger
keep-alive limit made the gateway three times slower, not faster (docs/server.md, *Upstream
connections*). This pool keeps idle connections per origin on a stack and looks only at the
one it is about to reuse, so a request costs the same with 1 or 100 connections open. The
connections are :class:`~surefoot.providers._h1.H1Connection` (httptools parsing on an
asyncio protocol); errors are httpcore's exceptions, as httpcore's pool raises them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpcore

from surefoot.providers._h1 import H1Connection, target

if TYPE_CHECKING:
    import ssl
    from collections.abc import AsyncIterator, Iterable, Sequence

    from surefoot.providers._h1 import Target

__all__ = ["AsyncKeepAlivePool", "PooledResponse", "PooledStream"]

_Key = tuple[str, str, int]  # scheme, host, port


class PooledResponse:
    """A whole response: status, headers, body, and the reason phrase in ``extensions``."""

    __slots__ = ("content", "extensions", "headers", "status")

    def __init__(
        self, status: int, reason: bytes, headers: list[tuple[bytes, bytes]], content: bytes
    ) -> None:
        self.status = status
        self.headers = headers
        self.content = content
        self.extensions = {"reason_phrase": reason}


class PooledStream(PooledResponse):
    """A response whose body is read as it arrives with :meth:`aiter_stream`."""

    __slots__ = ("_connection", "_read_timeout")

    def __init__(
        self,
        status: int,
        reason: bytes,
        headers: list[tuple[bytes, bytes]],
        connection: H1Connection,
        read_timeout: float | None,
    ) -> None:
        super().__init__(status, reason, headers, b"")
        self._connection = connection
        self._read_timeout = read_timeout

    async def aiter_stream(self) -> AsyncIterator[bytes]:
        """The body's parts as they arrive."""
        while chunk := await self._connection.chunk(self._read_timeout):
            yield chunk

    async def aread(self) -> bytes:
        """Read the rest of the body into :attr:`content`, and return it."""
        self.content = b"".join([chunk async for chunk in self.aiter_stream()])
        return self.content


class AsyncKeepAlivePool:
    """At most ``max_connections`` connections, ``max_keepalive`` of them kept idle per origin.

    A request reuses the most recently idle connection to its origin (unless it expired or the
    server closed it), else opens one while under the limit, else waits for one up to the
    request's ``pool`` timeout (``httpcore.PoolTimeout``). A connection goes back to the pool
    when its response was read to the end with the connection kept alive; anything else (an
    error, a cut or cancelled response, ``Connection: close``) closes it. One event loop only.

    Args:
        max_connections: connections open at once, idle or in use.
        max_keepalive: idle connections kept per origin.
        keepalive_expiry: seconds an idle connection is kept.
        socket_options: options set on every new socket (``TCP_NODELAY``).
        ssl_context: for ``https`` origins; default the CA bundle from certifi, as httpcore.
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
        self._idle: dict[_Key, list[H1Connection]] = {}
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
    ) -> PooledResponse:
        """Send a request and read the whole response (the connection is back in the pool)."""
        where = target(url)
        timeouts = extensions.get("timeout", {})
        connection = await self._acquire(where, timeouts)
        try:
            (status, reason, raw), body = await connection.request(
                method.encode("ascii"), where, headers, content, timeouts
            )
        except BaseException:
            self._discard(connection)
            raise
        self._release(connection, where.key)
        return PooledResponse(status, reason, raw, body)

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        url: str,
        *,
        headers: Sequence[tuple[str, str]],
        content: bytes,
        extensions: dict[str, Any],
    ) -> AsyncIterator[PooledStream]:
        """Send a request; yield the response with its body unread. Leaving returns the
        connection when the body was read to its end, and closes it otherwise."""
        where = target(url)
        timeouts = extensions.get("timeout", {})
        connection = await self._acquire(where, timeouts)
        try:
            status, reason, raw = await connection.start(
                method.encode("ascii"), where, headers, content, timeouts
            )
            yield PooledStream(status, reason, raw, connection, timeouts.get("read"))
        except BaseException:
            self._discard(connection)
            raise
        self._release(connection, where.key)

    async def aclose(self) -> None:
        """Close the idle connections; connections in use close when their responses end."""
        self._closed = True
        idle = [c for stack in self._idle.values() for c in stack]
        self._idle.clear()
        for connection in idle:
            self._discard(connection)

    async def _acquire(self, where: Target, timeouts: dict[str, float | None]) -> H1Connection:
        if self._closed:
            raise RuntimeError("the connection pool is closed; create a new provider")
        loop = asyncio.get_running_loop()
        pool_timeout = timeouts.get("pool")
        deadline = None if pool_timeout is None else loop.time() + pool_timeout
        while True:
            stack = self._idle.get(where.key)
            while stack:
                connection = stack.pop()
                # This connection only: did the server close it, or did it expire, while idle?
                if connection.is_idle():
                    return connection
                self._discard(connection)
            if self._open < self._max:
                self._open += 1
                return H1Connection(
                    where,
                    ssl_context=self._ssl_context,
                    keepalive_expiry=self._expiry,
                    socket_options=self._socket_options,
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

    def _release(self, connection: H1Connection, key: _Key) -> None:
        stack = self._idle.setdefault(key, [])
        if not self._closed and connection.reusable and len(stack) < self._max_keepalive:
            stack.append(connection)
            self._wake_one()
            return
        self._discard(connection)

    def _discard(self, connection: H1Connection) -> None:
        self._open -= 1
        self._wake_one()
        connection.close()
