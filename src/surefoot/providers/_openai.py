"""A provider for any server that speaks OpenAI's chat completions and embeddings API."""

from __future__ import annotations

import json
import socket
import threading
from typing import TYPE_CHECKING, Any

import httpx

from surefoot.core._clock import SYSTEM_CLOCK
from surefoot.core.errors import MalformedResponse
from surefoot.providers._base import Provider
from surefoot.providers._errors import map_provider_errors, raise_for_status
from surefoot.providers._sse import SSEDecoder
from surefoot.providers._wire import (
    chat_body,
    embedding_body,
    loads,
    parse_chat,
    parse_chunk,
    parse_embeddings,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Mapping

    from surefoot.core._clock import Clock
    from surefoot.providers._types import (
        ChatChunk,
        ChatRequest,
        ChatResponse,
        EmbeddingRequest,
        EmbeddingResponse,
    )

__all__ = ["OpenAICompatibleProvider"]

_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)
# httpcore writes request headers and body separately; with Nagle on, the body waits for the
# server's delayed ACK of the headers, adding ~40 ms to every POST. TCP_NODELAY removes that.
_SOCKET_OPTIONS = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


class _Done:
    """The ``[DONE]`` event."""


_DONE = _Done()


class _Progress:
    """How much of a stream arrived; errors quote it."""

    __slots__ = ("chars", "chunks")

    def __init__(self) -> None:
        self.chunks = 0
        self.chars = 0

    def __call__(self) -> str:
        return f"{self.chunks} chunks ({self.chars} characters)"

    def count(self, chunk: ChatChunk) -> None:
        self.chunks += 1
        self.chars += sum(len(c.content or "") for c in chunk.choices)


class OpenAICompatibleProvider(Provider):
    """Chat completions (plain and streamed) and embeddings over OpenAI's HTTP API.

    Works with OpenAI, Azure's v1 endpoint, vLLM, llama.cpp, Ollama, LiteLLM and
    :class:`surefoot.testing.FaultServer`. One keep-alive connection pool is shared by all calls.
    A call makes exactly one HTTP attempt; the guard retries.

    Args:
        base_url: the API root including ``/v1``, e.g. ``http://127.0.0.1:8080/v1``.
        api_key: sent as a bearer token; never logged, never put on spans.
        name: the provider's name in spans, errors and routing.
        timeout_s: default per-attempt timeout (for streams: the longest wait for the next bytes).
        http_client: a client to use instead of the provider's own; its owner closes it.
        async_http_client: the same for async calls.
        headers: extra headers sent with every request.
        clock: where the current time comes from, to read HTTP-date ``Retry-After`` values.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        name: str = "openai-compatible",
        timeout_s: float = 60.0,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        headers: Mapping[str, str] | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__(name=name)
        self._base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._headers = {"content-type": "application/json", **(headers or {})}
        if api_key is not None:
            self._headers["authorization"] = f"Bearer {api_key}"
        self._client = http_client
        self._aclient = async_http_client
        self._owns_client = http_client is None
        self._owns_aclient = async_http_client is None
        self._clock = clock
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        # Never the headers: they hold the API key.
        return f"OpenAICompatibleProvider({self._base_url!r}, name={self.name!r})"

    @property
    def base_url(self) -> str:
        """The API root requests go to."""
        return self._base_url

    # ------------------------------------------------------------------ clients
    def _sync_client(self) -> httpx.Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    transport = httpx.HTTPTransport(limits=_LIMITS, socket_options=_SOCKET_OPTIONS)
                    self._client = httpx.Client(transport=transport, timeout=self._timeout_s)
        return self._client

    def _async_client(self) -> httpx.AsyncClient:
        if self._aclient is None:
            with self._lock:
                if self._aclient is None:
                    transport = httpx.AsyncHTTPTransport(
                        limits=_LIMITS, socket_options=_SOCKET_OPTIONS
                    )
                    self._aclient = httpx.AsyncClient(transport=transport, timeout=self._timeout_s)
        return self._aclient

    def close(self) -> None:
        """Close the connection pool this provider created."""
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        """Close both connection pools this provider created."""
        self.close()
        if self._owns_aclient and self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None

    def _post_args(
        self, path: str, body: dict[str, Any], timeout_s: float | None
    ) -> dict[str, Any]:
        return {
            "url": f"{self._base_url}{path}",
            "content": json.dumps(body).encode(),
            "headers": self._headers,
            "timeout": timeout_s if timeout_s is not None else self._timeout_s,
        }

    def _now_s(self) -> float:
        return self._clock.now_ns() / 1e9

    # ------------------------------------------------------------------ chat
    def _complete(self, request: ChatRequest) -> ChatResponse:
        args = self._post_args(
            "/chat/completions", chat_body(request, stream=False), request.timeout_s
        )
        with map_provider_errors(self.name):
            response = self._sync_client().post(**args)
            raise_for_status(response, self.name, now_s=self._now_s())
        return parse_chat(loads(response.content, self.name), self.name)

    async def _acomplete(self, request: ChatRequest) -> ChatResponse:
        args = self._post_args(
            "/chat/completions", chat_body(request, stream=False), request.timeout_s
        )
        with map_provider_errors(self.name):
            response = await self._async_client().post(**args)
            raise_for_status(response, self.name, now_s=self._now_s())
        return parse_chat(loads(response.content, self.name), self.name)

    def _stream(self, request: ChatRequest) -> Iterator[ChatChunk]:
        args = self._post_args(
            "/chat/completions", chat_body(request, stream=True), request.timeout_s
        )
        progress, decoder = _Progress(), SSEDecoder()
        with (
            map_provider_errors(self.name, progress),
            self._sync_client().stream("POST", **args) as response,
        ):
            if response.status_code >= 400:
                response.read()
                raise_for_status(response, self.name, now_s=self._now_s())
            for line in response.iter_lines():
                chunk = self._on_line(decoder, line, progress)
                if isinstance(chunk, _Done):
                    return
                if chunk is not None:
                    yield chunk
        self._cut(progress)

    async def _astream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        args = self._post_args(
            "/chat/completions", chat_body(request, stream=True), request.timeout_s
        )
        progress, decoder = _Progress(), SSEDecoder()
        client = self._async_client()
        with map_provider_errors(self.name, progress):
            async with client.stream("POST", **args) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise_for_status(response, self.name, now_s=self._now_s())
                async for line in response.aiter_lines():
                    chunk = self._on_line(decoder, line, progress)
                    if isinstance(chunk, _Done):
                        return
                    if chunk is not None:
                        yield chunk
        self._cut(progress)

    def _on_line(
        self, decoder: SSEDecoder, line: str, progress: _Progress
    ) -> ChatChunk | _Done | None:
        event = decoder.feed(line)
        if event is None:
            return None
        if event.data.strip() == "[DONE]":
            return _DONE
        chunk = parse_chunk(loads(event.data, self.name), self.name)
        progress.count(chunk)
        return chunk

    def _cut(self, progress: _Progress) -> None:
        # The body ended cleanly but without [DONE]: the server stopped early. Never success.
        raise MalformedResponse(
            f"stream from {self.name!r} ended before [DONE] after {progress()}; "
            "the answer is incomplete",
            provider=self.name,
            hint="the upstream cut the stream; retry, or fall back to another upstream",
        )

    # ------------------------------------------------------------------ embeddings
    def _embed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        args = self._post_args("/embeddings", embedding_body(request), request.timeout_s)
        with map_provider_errors(self.name):
            response = self._sync_client().post(**args)
            raise_for_status(response, self.name, now_s=self._now_s())
        return parse_embeddings(loads(response.content, self.name), self.name)

    async def _aembed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        args = self._post_args("/embeddings", embedding_body(request), request.timeout_s)
        with map_provider_errors(self.name):
            response = await self._async_client().post(**args)
            raise_for_status(response, self.name, now_s=self._now_s())
        return parse_embeddings(loads(response.content, self.name), self.name)
