"""The async provider's network layer: asyncio streams under httpcore's connections."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpcore
import pytest
import trustme

from surefoot.providers._netio import AsyncioBackend
from surefoot.providers._pool import AsyncKeepAlivePool

TIMEOUTS = {"timeout": {"connect": 2.0, "read": 0.2, "write": 2.0, "pool": 2.0}}
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def _server(handler: Handler, context: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    writers: list[asyncio.StreamWriter] = []

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await handler(reader, writer)

    server = await asyncio.start_server(tracked, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for writer in writers:  # the server's side of every connection, whatever its handler did
            writer.close()
        await server.wait_closed()
        await asyncio.sleep(0.01)  # the transports finish closing


async def _keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(OK)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
        pass  # the client hung up (or refused our certificate)
    finally:
        writer.close()


def _pool(context: ssl.SSLContext | None = None) -> AsyncKeepAlivePool:
    return AsyncKeepAlivePool(
        max_connections=4, max_keepalive=4, keepalive_expiry=30.0, ssl_context=context
    )


async def _get(pool: AsyncKeepAlivePool, url: str) -> bytes:
    response = await pool.request("POST", url, headers=[], content=b"{}", extensions=TIMEOUTS)
    return response.content


async def test_https_requests_go_through_a_tls_handshake() -> None:
    """An https origin is reached over TLS, checked against the trusted authority."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    pool = _pool(client_context)
    async with _server(_keep_alive, server_context) as port:
        bodies = [await _get(pool, f"https://127.0.0.1:{port}/") for _ in range(2)]
        reused = pool.open_connections
        await pool.aclose()
    assert bodies == [b"ok", b"ok"]
    assert reused == 1


async def test_an_untrusted_certificate_is_a_connect_error() -> None:
    """A server whose certificate the client does not trust is refused at the handshake."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(server_context)
    pool = _pool(ssl.create_default_context())
    async with _server(_keep_alive, server_context) as port:
        with pytest.raises(httpcore.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await _get(pool, f"https://127.0.0.1:{port}/")
        await pool.aclose()


async def test_a_refused_connection_is_a_connect_error() -> None:
    """Nothing listening on the port raises httpcore's ConnectError, which the provider maps."""
    async with _server(_keep_alive) as port:
        pass  # the port is closed again
    with pytest.raises(httpcore.ConnectError):
        await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2.0)


async def test_a_silent_server_is_a_read_timeout() -> None:
    """A server that accepts and never answers ends the read at its timeout."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # reads the request and waits, answering nothing, for the hang-up
        writer.close()

    pool = _pool()
    async with _server(silent) as port:
        started = time.monotonic()
        with pytest.raises(httpcore.ReadTimeout):
            await _get(pool, f"http://127.0.0.1:{port}/")
        elapsed = time.monotonic() - started
        await pool.aclose()
    assert elapsed < 2.0


async def test_an_idle_connection_the_server_dropped_is_replaced() -> None:
    """A kept-alive connection the server closed while idle is not reused: a new one serves."""
    connections = 0

    async def answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(OK)  # keep-alive by HTTP/1.1 default, then hang up while idle
        await writer.drain()
        writer.close()

    pool = _pool()
    async with _server(answer_once) as port:
        first = await _get(pool, f"http://127.0.0.1:{port}/")
        await asyncio.sleep(0.05)  # the hang-up reaches the client's transport
        second = await _get(pool, f"http://127.0.0.1:{port}/")
        await pool.aclose()
    assert (first, second, connections) == (b"ok", b"ok", 2)
