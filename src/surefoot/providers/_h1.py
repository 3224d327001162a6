"""One HTTP/1.1 client connection: an asyncio protocol whose responses httptools parses.

The async provider's connections. httpcore's HTTP/1.1 connection parses with h11, in Python,
and wraps every request and response in its own models, locks and trace hooks: about 250 µs of
CPU per request on loopback, most of a gateway request's client side. This connection writes a
request's head and body in one write and hands what the socket delivers to httptools (the C
parser uvicorn uses; llhttp underneath), which calls back per header and per body chunk: about
30 µs for the same request (500 sequential requests on one connection, medians of 7). It keeps
httpcore's exceptions (``ConnectError``, ``ReadTimeout``, ``RemoteProtocolError``, ...), so
the provider's error mapping is the same for both clients.

What it does: keep-alive (``Connection: close`` and HTTP/1.0 answers close it), bodies by
``Content-Length``, chunked or read to the end of the connection, TLS, TCP socket options, a
timeout per phase (connect, write, and read as the longest wait for the next bytes), write
flow control, and informational (1xx) answers skipped. What it does not: pipelining, upgrades,
``Expect: 100-continue``, proxies. One request at a time; one event loop.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from typing import TYPE_CHECKING, cast

import certifi
import httpcore
import httptools

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["H1Connection", "Head", "Target", "target"]

Head = tuple[int, bytes, list[tuple[bytes, bytes]]]  # status, reason phrase, headers


class Target:
    """Where a URL points: the pool's key, the address to connect to, what the head carries."""

    __slots__ = ("host", "host_header", "key", "path", "port", "tls")

    def __init__(self, url: str) -> None:
        parsed = httpcore.URL(url)
        scheme = parsed.scheme.decode("ascii")
        if scheme not in ("http", "https"):
            raise httpcore.UnsupportedProtocol(
                f"unsupported URL scheme {scheme!r} in {url!r}: use http:// or https://"
            )
        self.tls = scheme == "https"
        default_port = 443 if self.tls else 80
        self.host = parsed.host.decode("ascii")
        self.port = parsed.port or default_port
        host = parsed.host if self.port == default_port else b"%s:%d" % (parsed.host, self.port)
        self.host_header = host
        self.path = parsed.target
        self.key = (scheme, self.host, self.port)


@functools.lru_cache(maxsize=256)
def target(url: str) -> Target:
    """The parsed ``url``; the provider posts to the same few URLs on every call."""
    return Target(url)


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())  # httpcore's default


def _head(method: bytes, target: Target, headers: Iterable[tuple[str, str]], length: int) -> bytes:
    lines = [
        b"%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n"
        % (method, target.path, target.host_header, length)
    ]
    for name, value in headers:
        line = f"{name}: {value}\r\n"
        if "\n" in line[:-2] or "\r" in line[:-2] or "\0" in line:
            raise httpcore.LocalProtocolError(
                f"header {name!r} holds a line break or NUL; remove it from the value"
            )
        lines.append(line.encode("latin-1"))
    lines.append(b"\r\n")
    return b"".join(lines)


def _expire(waiter: asyncio.Future[None], timeout: float) -> None:
    if not waiter.done():
        waiter.set_exception(httpcore.ReadTimeout(f"no data from the server within {timeout}s"))


class H1Connection(asyncio.Protocol):
    """A keep-alive HTTP/1.1 connection to one origin, opened on its first request.

    Args:
        target: where it connects (any URL of the origin).
        ssl_context: for ``https``; default the system's CA bundle from certifi, as httpcore.
        keepalive_expiry: seconds it may stay idle before it is not reused.
        socket_options: set on the socket once connected (``TCP_NODELAY``).
    """

    def __init__(
        self,
        target: Target,
        *,
        ssl_context: ssl.SSLContext | None,
        keepalive_expiry: float,
        socket_options: Iterable[tuple[int, int, int]],
    ) -> None:
        self._target = target
        self._ssl_context = ssl_context
        self._expiry = keepalive_expiry
        self._socket_options = tuple(socket_options)
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._lost = False  # the transport is gone (or going): never reused
        self._busy = False  # a request was sent and its response is not complete
        self._idle_at = 0.0
        self._waiter: asyncio.Future[None] | None = None
        self._writable = True
        self._reset()

    def _reset(self) -> None:
        self._status = 0
        self._reason = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._chunks: list[bytes] = []
        self._head_done = False
        self._complete = False
        self._keep_alive = False
        self._to_eof = False
        self._error: Exception | None = None

    # ------------------------------------------------------------------ the pool's view
    @property
    def reusable(self) -> bool:
        """Whether the last response ended with the connection open and kept alive."""
        return self._complete and self._keep_alive and not self._lost

    def is_idle(self) -> bool:
        """Whether it can take a request now: open, kept alive, and not expired."""
        if self._busy or self._lost:
            return False
        loop = asyncio.get_running_loop()
        return loop.time() - self._idle_at < self._expiry

    def close(self) -> None:
        """Close at once, whatever state it is in."""
        self._lost = True
        if self._transport is not None:
            self._transport.abort()

    # ------------------------------------------------------------------ requests
    async def request(
        self,
        method: bytes,
        target: Target,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        timeouts: dict[str, float | None],
    ) -> tuple[Head, bytes]:
        """Send a request and read its whole response."""
        head = await self.start(method, target, headers, body, timeouts)
        read = timeouts.get("read")
        while not self._complete:
            await self._wait(read)
        chunks, self._chunks = self._chunks, []
        self._finished()
        return head, b"".join(chunks)

    async def start(
        self,
        method: bytes,
        target: Target,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        timeouts: dict[str, float | None],
    ) -> Head:
        """Send a request and read its status and headers; the body is read with :meth:`chunk`."""
        if self._transport is None:
            await self._connect(timeouts.get("connect"))
        elif self._lost:
            raise httpcore.RemoteProtocolError("the server closed the connection; open another")
        self._reset()
        self._busy = True
        transport = self._transport
        assert transport is not None
        transport.write(_head(method, target, headers, len(body)) + body)
        if not self._writable:
            await self._drain(timeouts.get("write"))
        read = timeouts.get("read")
        while not self._head_done:
            await self._wait(read)
        return self._status, self._reason, self._headers

    async def chunk(self, read_timeout: float | None) -> bytes:
        """The next part of the body as it arrives; ``b""`` once it is complete."""
        while not self._chunks:
            if self._complete:
                self._finished()
                return b""
            await self._wait(read_timeout)
        chunks, self._chunks = self._chunks, []
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _finished(self) -> None:
        self._busy = False
        self._idle_at = asyncio.get_running_loop().time()

    async def _connect(self, timeout: float | None) -> None:
        t = self._target
        context = (self._ssl_context or _default_ssl_context()) if t.tls else None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                await loop.create_connection(
                    lambda: self,
                    t.host,
                    t.port,
                    ssl=context,
                    server_hostname=t.host if t.tls else None,
                )
        except TimeoutError as exc:
            self.close()
            raise httpcore.ConnectTimeout(
                f"no connection to {t.host}:{t.port} within {timeout}s"
            ) from exc
        except OSError as exc:  # refused, unreachable, unknown host, TLS failures (ssl.SSLError)
            self.close()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc

    async def _wait(self, timeout: float | None) -> None:
        if self._error is not None:
            raise self._error
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        # A timer that fails the waiter, not an asyncio.timeout scope (which cancels and then
        # uncancels the task): this runs on every request, and the scope cost 3.0 us against
        # 0.55 for the timer.
        timer = None if timeout is None else loop.call_later(timeout, _expire, waiter, timeout)
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()
        if self._error is not None:
            raise self._error

    async def _drain(self, timeout: float | None) -> None:
        while not self._writable and not self._lost:
            try:
                await self._wait(timeout)
            except httpcore.ReadTimeout as exc:
                raise httpcore.WriteTimeout(f"the server took no data within {timeout}s") from exc

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ------------------------------------------------------------------ asyncio protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its interface.
        self._transport = cast("asyncio.Transport", transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            for option in self._socket_options:
                sock.setsockopt(*option)

    def data_received(self, data: bytes) -> None:
        if not self._busy or self._complete:  # unasked-for bytes: the connection is not trusted
            self.close()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(httpcore.RemoteProtocolError(f"malformed HTTP response: {exc}"))
            self.close()

    def eof_received(self) -> bool:
        return False  # close our side too; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._writable = True
        if self._busy and not self._complete:
            if self._head_done and self._to_eof and exc is None:
                self._complete = True  # a body without a length ends where the connection does
            elif exc is not None:
                self._fail(httpcore.ReadError(str(exc) or type(exc).__name__))
            else:
                self._fail(
                    httpcore.RemoteProtocolError(
                        "the server closed the connection before the response was complete"
                    )
                )
        self._wake()

    def pause_writing(self) -> None:
        self._writable = False

    def resume_writing(self) -> None:
        self._writable = True
        self._wake()

    def _fail(self, error: Exception) -> None:
        if self._error is None:
            self._error = error
        self._wake()

    # ------------------------------------------------------------------ httptools callbacks
    def on_status(self, status: bytes) -> None:
        self._reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if status < 200:  # informational: its message completes with no body; wait for more
            return
        self._status = status
        self._head_done = True
        names = {name.lower() for name, _ in self._headers}
        self._to_eof = (
            b"content-length" not in names
            and b"transfer-encoding" not in names
            and status not in (204, 304)
        )
        self._wake()

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        self._wake()

    def on_message_complete(self) -> None:
        if not self._head_done:  # the end of an informational answer
            self._reason = b""
            self._headers = []
            return
        self._complete = True
        self._keep_alive = self._parser.should_keep_alive()
        self._wake()
