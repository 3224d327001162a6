"""The server's protocol joins the writes of one loop turn into one write."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from surefoot.server._protocol import _Coalescing, http_protocol


class _Recorded(asyncio.Transport):
    """A transport that keeps what it is asked to write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


async def _turn() -> None:
    await asyncio.sleep(0)


def test_writes_in_one_loop_turn_leave_as_one_write() -> None:
    async def scenario() -> list[bytes]:
        real = _Recorded()
        joined = _Coalescing(real, asyncio.get_running_loop())
        joined.write(b"HTTP/1.1 200 OK\r\n\r\n")
        joined.write(b"body")
        await _turn()
        return real.writes

    assert asyncio.run(scenario()) == [b"HTTP/1.1 200 OK\r\n\r\nbody"]


def test_writes_in_later_turns_leave_separately_and_in_order() -> None:
    async def scenario() -> list[bytes]:
        real = _Recorded()
        joined = _Coalescing(real, asyncio.get_running_loop())
        for chunk in (b"a", b"b", b"c"):
            joined.write(chunk)
            await _turn()
        return real.writes

    assert asyncio.run(scenario()) == [b"a", b"b", b"c"]


def test_close_sends_what_was_written_first() -> None:
    async def scenario() -> tuple[list[bytes], bool]:
        real = _Recorded()
        joined = _Coalescing(real, asyncio.get_running_loop())
        joined.write(b"last words")
        joined.close()
        await _turn()
        return real.writes, real.closed

    assert asyncio.run(scenario()) == ([b"last words"], True)


def test_nothing_is_written_to_a_transport_already_closing() -> None:
    async def scenario() -> list[bytes]:
        real = _Recorded()
        joined = _Coalescing(real, asyncio.get_running_loop())
        joined.write(b"too late")
        real.closed = True
        await _turn()
        return real.writes

    assert asyncio.run(scenario()) == []


def test_other_transport_calls_reach_the_real_transport() -> None:
    async def scenario() -> bool:
        real = _Recorded()
        return _Coalescing(real, asyncio.get_running_loop()).is_closing() is real.is_closing()

    assert asyncio.run(scenario())


def test_uvicorn_serves_keep_alive_and_streamed_responses_through_it(live_server: Any) -> None:
    if isinstance(http_protocol(), str):
        pytest.skip("httptools is not installed")
    app = FastAPI()

    @app.get("/n/{n}")
    def number(n: int) -> dict[str, int]:
        return {"n": n}

    @app.get("/stream")
    def stream() -> StreamingResponse:
        return StreamingResponse(iter([b"one,", b"two,", b"three"]), media_type="text/plain")

    server = live_server(app)
    with httpx.Client(base_url=server.url) as client:
        assert [client.get(f"/n/{i}").json()["n"] for i in range(20)] == list(range(20))
        assert client.get("/stream").text == "one,two,three"
