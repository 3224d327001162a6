"""The HTTP client under :class:`~surefoot.providers.OpenAICompatibleProvider`.

By default the provider talks to httpcore's connection pools directly rather than through
httpx: on loopback an httpx ``Client.post`` costs about 410 µs of CPU per call on the reference
machine against about 230 µs for the same request through httpcore, the pool httpx itself sits
on (``benchmarks/bench_guard.py``). The provider needs none of what httpx adds on top (URL
and header models, cookies, redirects, auth flows, content decoding): it sends one JSON POST and
reads JSON or server-sent events back. A caller that passes its own ``httpx.Client`` keeps
httpx, through the same small interface.

Async calls go through :class:`~surefoot.providers._pool.AsyncKeepAlivePool`: connections of
our own (:mod:`surefoot.providers._h1`, httptools parsing on an asyncio protocol, about an
eighth of httpcore's CPU per request) under a pool whose cost per request does not grow with
the connections it keeps (httpcore's own pool polls every idle connection on every request).
Both paths keep what the provider promises: per-attempt timeouts (connect, read, write and pool
each), HTTP/1.1 keep-alive with the connection limits below, TCP_NODELAY, and foreign errors
translated by :func:`~surefoot.providers.map_provider_errors`.
"""

from __future__ import annotations

import codecs
import socket
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpcore

from surefoot.providers._pool import AsyncKeepAlivePool, PooledResponse

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Sequence

    import httpx

__all__ = [
    "AsyncHttp",
    "LineDecoder",
    "RawResponse",
    "SyncHttp",
    "async_pool",
    "sync_pool",
]

MAX_CONNECTIONS = 100
MAX_KEEPALIVE_CONNECTIONS = 20  # the sync pool's: httpcore's pool scans its idle connections
KEEPALIVE_EXPIRY_S = 30.0
# httpcore writes request headers and body separately; with Nagle on, the body waits for the
# server's delayed ACK of the headers, adding ~40 ms to every POST. TCP_NODELAY removes that.
SOCKET_OPTIONS = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


@dataclass(slots=True)  # built on every call: a frozen init costs three times more
class RawResponse:
    """Status, headers and body of one response; what parsing and error mapping read.

    ``reason_phrase`` is filled for error statuses only: nothing reads it otherwise.
    """

    status_code: int
    raw_headers: Sequence[tuple[bytes, bytes]]
    content: bytes
    reason_phrase: str = ""

    @property
    def headers(self) -> dict[str, str]:
        """The headers, names lower-cased (decoded only when asked: errors need them)."""
        return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in self.raw_headers}

    @property
    def text(self) -> str:
        """The body as text (invalid UTF-8 replaced)."""
        return self.content.decode("utf-8", "replace")


Extensions = dict[str, dict[str, float]]


def _timeouts(timeout_s: float) -> Extensions:
    # The same meaning as httpx.Timeout(timeout_s): each phase gets the whole timeout.
    return {
        "timeout": {"connect": timeout_s, "read": timeout_s, "write": timeout_s, "pool": timeout_s}
    }


class _TimeoutCache:
    """The extensions of the last timeout asked for: nearly every call repeats it, and httpcore
    only reads them. One attribute holds the pair, so threads always see a matching one."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: tuple[float, Extensions] = (-1.0, _timeouts(-1.0))

    def __call__(self, timeout_s: float) -> Extensions:
        last = self._last
        if last[0] == timeout_s:
            return last[1]
        extensions = _timeouts(timeout_s)
        self._last = (timeout_s, extensions)
        return extensions


def _reason(response: httpcore.Response | PooledResponse) -> str:
    reason = response.extensions.get("reason_phrase", b"")
    return reason.decode("latin-1") if isinstance(reason, bytes) else ""


def sync_pool() -> httpcore.ConnectionPool:
    """A keep-alive HTTP/1.1 pool with the provider's limits."""
    return httpcore.ConnectionPool(
        max_connections=MAX_CONNECTIONS,
        max_keepalive_connections=MAX_KEEPALIVE_CONNECTIONS,
        keepalive_expiry=KEEPALIVE_EXPIRY_S,
        socket_options=SOCKET_OPTIONS,
    )


def async_pool() -> AsyncKeepAlivePool:
    """Async twin of :func:`sync_pool`: every connection may stay alive, since reusing one
    costs the same however many are open (:class:`AsyncKeepAlivePool`)."""
    return AsyncKeepAlivePool(
        max_connections=MAX_CONNECTIONS,
        max_keepalive=MAX_CONNECTIONS,
        keepalive_expiry=KEEPALIVE_EXPIRY_S,
        socket_options=SOCKET_OPTIONS,
    )


class SyncHttp:
    """POST and streamed POST over an httpcore pool, or over a caller's ``httpx.Client``."""

    __slots__ = ("_client", "_pool", "_timeouts")

    def __init__(
        self, pool: httpcore.ConnectionPool | None, client: httpx.Client | None = None
    ) -> None:
        self._pool = pool
        self._client = client
        self._timeouts = _TimeoutCache()

    def post(
        self, url: str, body: bytes, headers: list[tuple[str, str]], timeout_s: float
    ) -> RawResponse:
        """Send ``body`` and read the whole response."""
        if self._client is not None:
            r = self._client.post(url, content=body, headers=headers, timeout=timeout_s)
            return RawResponse(r.status_code, r.headers.raw, r.content, r.reason_phrase)
        assert self._pool is not None
        response = self._pool.request(
            "POST", url, headers=headers, content=body, extensions=self._timeouts(timeout_s)
        )
        status = response.status
        reason = _reason(response) if status >= 400 else ""
        return RawResponse(status, response.headers, response.content, reason)

    @contextmanager
    def stream(
        self, url: str, body: bytes, headers: list[tuple[str, str]], timeout_s: float
    ) -> Iterator[tuple[RawResponse, Iterator[bytes]]]:
        """Send ``body``; yield the status and headers (no body yet) and the body's chunks."""
        if self._client is not None:
            with self._client.stream(
                "POST", url, content=body, headers=headers, timeout=timeout_s
            ) as r:
                yield (
                    RawResponse(r.status_code, r.headers.raw, b"", r.reason_phrase),
                    r.iter_bytes(),
                )
            return
        assert self._pool is not None
        with self._pool.stream(
            "POST", url, headers=headers, content=body, extensions=_timeouts(timeout_s)
        ) as response:
            head = RawResponse(response.status, response.headers, b"", _reason(response))
            yield head, response.iter_stream()

    def close(self) -> None:
        """Close the pool (a caller's client is the caller's to close)."""
        if self._pool is not None:
            self._pool.close()


class AsyncHttp:
    """Async twin of :class:`SyncHttp`."""

    __slots__ = ("_client", "_pool", "_timeouts")

    def __init__(
        self, pool: AsyncKeepAlivePool | None, client: httpx.AsyncClient | None = None
    ) -> None:
        self._pool = pool
        self._client = client
        self._timeouts = _TimeoutCache()

    async def post(
        self, url: str, body: bytes, headers: list[tuple[str, str]], timeout_s: float
    ) -> RawResponse:
        """Send ``body`` and read the whole response."""
        if self._client is not None:
            r = await self._client.post(url, content=body, headers=headers, timeout=timeout_s)
            return RawResponse(r.status_code, r.headers.raw, r.content, r.reason_phrase)
        assert self._pool is not None
        response = await self._pool.request(
            "POST", url, headers=headers, content=body, extensions=self._timeouts(timeout_s)
        )
        status = response.status
        reason = _reason(response) if status >= 400 else ""
        return RawResponse(status, response.headers, response.content, reason)

    @asynccontextmanager
    async def stream(
        self, url: str, body: bytes, headers: list[tuple[str, str]], timeout_s: float
    ) -> AsyncIterator[tuple[RawResponse, AsyncIterator[bytes]]]:
        """Send ``body``; yield the status and headers (no body yet) and the body's chunks."""
        if self._client is not None:
            async with self._client.stream(
                "POST", url, content=body, headers=headers, timeout=timeout_s
            ) as r:
                yield (
                    RawResponse(r.status_code, r.headers.raw, b"", r.reason_phrase),
                    r.aiter_bytes(),
                )
            return
        assert self._pool is not None
        async with self._pool.stream(
            "POST", url, headers=headers, content=body, extensions=_timeouts(timeout_s)
        ) as response:
            head = RawResponse(response.status, response.headers, b"", _reason(response))
            yield head, response.aiter_stream()

    async def aclose(self) -> None:
        """Close the pool (a caller's client is the caller's to close)."""
        if self._pool is not None:
            await self._pool.aclose()


_NEWLINES = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


class LineDecoder:
    """Bytes in, complete lines out, with :meth:`str.splitlines` semantics (as httpx's
    ``iter_lines``): a ``\\r\\n`` split across two chunks is one line end, not two.

    Examples:
        >>> decoder = LineDecoder()
        >>> decoder.feed(b"data: a\\r"), decoder.feed(b"\\ndata: b\\n\\n"), decoder.flush()
        ([], ['data: a', 'data: b', ''], [])
    """

    __slots__ = ("_decoder", "_pending", "_trailing_cr")

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""
        self._trailing_cr = False

    def feed(self, data: bytes) -> list[str]:
        """The lines ``data`` completes."""
        return self._lines(self._decoder.decode(data))

    def flush(self) -> list[str]:
        """The unterminated last line at end of input, if any."""
        lines = self._lines(self._decoder.decode(b"", final=True))
        if self._pending or self._trailing_cr:
            lines.append(self._pending)
        self._pending, self._trailing_cr = "", False
        return lines

    def _lines(self, text: str) -> list[str]:
        if self._trailing_cr:
            # A "\r" ended the last chunk: the line ended there, whether or not "\n" follows.
            text = "\r" + text
            self._trailing_cr = False
        if text.endswith("\r"):
            self._trailing_cr = True
            text = text[:-1]
        if not text:
            return []
        ends_line = text[-1] in _NEWLINES
        lines = text.splitlines()
        lines[0] = self._pending + lines[0]
        self._pending = ""
        if not ends_line:
            self._pending = lines.pop()
        return lines
