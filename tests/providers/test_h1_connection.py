"""The async provider's HTTP/1.1 connections: framing, keep-alive, TLS, timeouts and errors."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpcore
import pytest
import trustme
import uvloop

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
    pool = _pool()
    with pytest.raises(httpcore.ConnectError):
        await _get(pool, f"http://127.0.0.1:{port}/")
    assert pool.open_connections == 0


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


async def test_a_connection_idle_past_the_read_timeout_serves_the_next_request() -> None:
    """The read timeout bounds a wait for an answer, not the connection's life: an answered
    request's timer does not end the connection when it would have fired."""
    pool = _pool()
    async with _server(_keep_alive) as port:
        url = f"http://127.0.0.1:{port}/"
        assert await _get(pool, url) == b"ok"
        await asyncio.sleep(0.3)  # past the 0.2 s read timeout of the first request
        assert await _get(pool, url) == b"ok"
        await pool.aclose()


async def test_a_cancelled_read_is_not_a_timeout_later() -> None:
    """A request whose task is cancelled while it waits raises CancelledError, and its timer
    does not fire afterwards."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    pool = _pool()
    async with _server(silent) as port:
        task = asyncio.ensure_future(_get(pool, f"http://127.0.0.1:{port}/"))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.3)  # past the read timeout: nothing left to fire
        await pool.aclose()


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


def _answer(*responses: bytes) -> Handler:
    """A handler that answers each request on a connection with the next of ``responses``,
    each written in pieces of 7 bytes (so heads and bodies span reads), then hangs up."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for response in responses:
                await reader.readuntil(b"\r\n\r\n")
                await reader.readexactly(2)  # the "{}" body
                for i in range(0, len(response), 7):
                    writer.write(response[i : i + 7])
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handler


async def _with(handler: Handler, requests: int = 1) -> tuple[list[bytes], int]:
    pool = _pool()
    async with _server(handler) as port:
        bodies = [await _get(pool, f"http://127.0.0.1:{port}/") for _ in range(requests)]
        idle = pool.idle_connections
        await pool.aclose()
    return bodies, idle


async def test_a_chunked_body_is_joined_and_the_connection_reused() -> None:
    """A chunked answer arriving in pieces is one body, and the connection serves the next."""
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    bodies, idle = await _with(_answer(chunked, chunked), requests=2)
    assert (bodies, idle) == ([b"abcde", b"abcde"], 1)


async def test_a_body_without_a_length_ends_with_the_connection() -> None:
    """An answer with neither length nor chunks is read to the hang-up, and not reused."""
    bodies, idle = await _with(_answer(b"HTTP/1.1 200 OK\r\n\r\nuntil the end"))
    assert (bodies, idle) == ([b"until the end"], 0)


async def test_connection_close_is_not_reused() -> None:
    """An answer with ``Connection: close`` closes the connection after its body."""
    bodies, idle = await _with(
        _answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    )
    assert (bodies, idle) == ([b"ok"], 0)


async def test_an_informational_answer_is_skipped() -> None:
    """A 100 Continue before the answer is passed over; the final status and body count."""
    bodies, _ = await _with(_answer(b"HTTP/1.1 100 Continue\r\n\r\n" + OK))
    assert bodies == [b"ok"]


async def test_a_body_cut_short_is_a_remote_protocol_error() -> None:
    """A hang-up before Content-Length bytes arrived fails the request; it is not a short body."""
    with pytest.raises(httpcore.RemoteProtocolError, match="before the response was complete"):
        await _with(_answer(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nonly"))


async def test_a_malformed_answer_is_a_remote_protocol_error() -> None:
    """Bytes that are not HTTP fail the request with httpcore's protocol error."""
    with pytest.raises(httpcore.RemoteProtocolError, match="malformed HTTP response"):
        await _with(_answer(b"SMTP ready\r\n\r\n"))


async def test_the_reason_phrase_and_headers_are_kept() -> None:
    """The status line's reason and every header reach the caller as sent."""
    answer = b"HTTP/1.1 429 Slow Down Please\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n"
    pool = _pool()
    async with _server(_answer(answer)) as port:
        url = f"http://127.0.0.1:{port}/"
        response = await pool.request("POST", url, headers=[], content=b"{}", extensions=TIMEOUTS)
        await pool.aclose()
    assert response.status == 429
    assert response.extensions["reason_phrase"] == b"Slow Down Please"
    assert (b"Retry-After", b"3") in response.headers


async def test_a_header_with_a_line_break_is_refused_before_sending() -> None:
    """A header value carrying CR or LF would smuggle a header: the request is not sent."""
    pool = _pool()
    async with _server(_keep_alive) as port:
        with pytest.raises(httpcore.LocalProtocolError, match="line break"):
            await pool.request(
                "POST",
                f"http://127.0.0.1:{port}/",
                headers=[("x-note", "a\r\nx-admin: yes")],
                content=b"{}",
                extensions=TIMEOUTS,
            )
        await pool.aclose()


async def test_a_streamed_body_arrives_in_parts_as_sent() -> None:
    """A streamed answer yields its parts as the server writes them, before it ends."""
    release = asyncio.Event()

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        await writer.drain()
        await release.wait()
        writer.write(b"4\r\nlast\r\n0\r\n\r\n")
        await writer.drain()
        await reader.read()
        writer.close()

    pool = _pool()
    async with _server(slow) as port:
        url = f"http://127.0.0.1:{port}/"
        async with pool.stream("POST", url, headers=[], content=b"{}", extensions=TIMEOUTS) as r:
            parts = r.aiter_stream()
            first = await anext(parts)
            release.set()
            rest = [part async for part in parts]
        idle = pool.idle_connections
        await pool.aclose()
    assert (first, rest, idle) == (b"first", [b"last"], 1)


def test_connections_work_on_uvloop() -> None:
    """The gateway's event loop (uvloop, whose transports are its own classes) carries them."""

    async def two_requests() -> list[bytes]:
        pool = _pool()
        async with _server(_keep_alive) as port:
            bodies = [await _get(pool, f"http://127.0.0.1:{port}/") for _ in range(2)]
            await pool.aclose()
        return bodies

    assert uvloop.run(two_requests()) == [b"ok", b"ok"]
