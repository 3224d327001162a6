"""The async keep-alive pool: reuse, limits, waiting, and connections that must not return."""

from __future__ import annotations

import asyncio
import json

import httpcore
import pytest

from surefoot.providers._http import SOCKET_OPTIONS
from surefoot.providers._pool import AsyncKeepAlivePool
from surefoot.testing import Fault, FaultServer

BODY = json.dumps({"model": "m-1", "messages": [{"role": "user", "content": "hi"}]}).encode()
HEADERS = [("content-type", "application/json")]
TIMEOUTS = {"timeout": {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}}


def _pool(max_connections: int = 10) -> AsyncKeepAlivePool:
    return AsyncKeepAlivePool(
        max_connections=max_connections,
        max_keepalive=max_connections,
        keepalive_expiry=30.0,
        socket_options=SOCKET_OPTIONS,
    )


async def _post(pool: AsyncKeepAlivePool, server: FaultServer, pool_s: float = 5.0) -> int:
    timeouts = {"timeout": {**TIMEOUTS["timeout"], "pool": pool_s}}
    url = f"{server.base_url}/chat/completions"
    response = await pool.request("POST", url, headers=HEADERS, content=BODY, extensions=timeouts)
    return response.status


async def test_sequential_requests_reuse_one_connection() -> None:
    """Requests one after another share a single kept-alive connection."""
    pool = _pool()
    with FaultServer() as server:
        statuses = [await _post(pool, server) for _ in range(5)]
        open_now, idle_now = pool.open_connections, pool.idle_connections
        await pool.aclose()
    assert statuses == [200] * 5
    assert (open_now, idle_now) == (1, 1)


async def test_requests_beyond_the_limit_wait_for_a_connection() -> None:
    """With two connections allowed, six concurrent requests all succeed on at most two."""
    pool = _pool(max_connections=2)
    most = 0
    with FaultServer() as server:
        server.inject(Fault.latency(0.05), times=6)

        async def one() -> int:
            nonlocal most
            task = asyncio.ensure_future(_post(pool, server))
            await asyncio.sleep(0)
            most = max(most, pool.open_connections)
            return await task

        statuses = await asyncio.gather(*(one() for _ in range(6)))
        await pool.aclose()
    assert statuses == [200] * 6
    assert most <= 2


async def test_a_full_pool_times_out_at_the_pool_timeout() -> None:
    """When every connection is busy past the pool timeout, the request fails with PoolTimeout."""
    pool = _pool(max_connections=1)
    with FaultServer() as server:
        server.inject(Fault.hang(5.0))
        holder = asyncio.ensure_future(_post(pool, server))
        await asyncio.sleep(0.05)
        with pytest.raises(httpcore.PoolTimeout):
            await _post(pool, server, pool_s=0.05)
        holder.cancel()
        await asyncio.gather(holder, return_exceptions=True)
        await pool.aclose()


async def test_a_cancelled_request_closes_its_connection_and_frees_the_slot() -> None:
    """A request cancelled mid-way is not returned to the pool; the next one gets a fresh one."""
    pool = _pool(max_connections=1)
    with FaultServer() as server:
        server.inject(Fault.hang(5.0))
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await _post(pool, server)
        after_cancel = (pool.open_connections, pool.idle_connections)
        status = await _post(pool, server)
        await pool.aclose()
    assert after_cancel == (0, 0)
    assert status == 200


async def test_a_connection_the_server_closes_is_not_reused() -> None:
    """A response with `Connection: close` ends its connection instead of pooling it."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = _pool()
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(2):
            response = await pool.request(
                "POST", url, headers=HEADERS, content=b"{}", extensions=TIMEOUTS
            )
            assert response.content == b"ok"
        remaining = pool.open_connections
    finally:
        await pool.aclose()
        server.close()
        await server.wait_closed()
    assert remaining == 0


async def test_a_waiter_cancelled_as_it_is_woken_passes_the_free_connection_on() -> None:
    """When a woken waiter gives up before it runs, the next waiter gets the connection."""
    pool = _pool(max_connections=1)
    with FaultServer() as server:
        url = f"{server.base_url}/chat/completions"
        async with pool.stream(
            "POST", url, headers=HEADERS, content=BODY, extensions=TIMEOUTS
        ) as holding:
            await holding.aread()
            first = asyncio.ensure_future(_post(pool, server))
            second = asyncio.ensure_future(_post(pool, server))
            for _ in range(5):
                await asyncio.sleep(0)  # both are waiting for the one connection
        first.cancel()  # woken by the release above, cancelled before it could run
        status = await asyncio.wait_for(second, 5.0)
        await asyncio.gather(first, return_exceptions=True)
        await pool.aclose()
    assert status == 200
