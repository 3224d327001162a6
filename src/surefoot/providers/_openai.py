"""A provider for any server that speaks OpenAI's chat completions and embeddings API."""

from __future__ import annotations

import dataclasses
import threading
from typing import TYPE_CHECKING, Any

from surefoot.core._clock import SYSTEM_CLOCK
from surefoot.core._json import dumpb
from surefoot.core.errors import MalformedResponse
from surefoot.providers._base import Provider
from surefoot.providers._errors import (
    HTTP_ERRORS,
    map_provider_errors,
    raise_for_status,
    translate_http_error,
)
from surefoot.providers._http import AsyncHttp, LineDecoder, SyncHttp, async_pool, sync_pool
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

    import httpx

    from surefoot.core._clock import Clock
    from surefoot.providers._types import (
        ChatChunk,
        ChatRequest,
        ChatResponse,
        EmbeddingRequest,
        EmbeddingResponse,
    )

__all__ = ["OpenAICompatibleProvider"]


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
    :class:`surefoot.testing.FaultServer`. One keep-alive connection pool (httpcore's, the pool
    httpx sits on, used directly because it costs about half the CPU per call) is shared by all
    calls: at most 100 connections, 20 kept alive for 30 s, TCP_NODELAY. A call makes exactly
    one HTTP attempt; the guard retries.

    Args:
        base_url: the API root including ``/v1``, e.g. ``http://127.0.0.1:8080/v1``.
        api_key: sent as a bearer token; never logged, never put on spans.
        name: the provider's name in spans, errors and routing.
        timeout_s: default per-attempt timeout (for streams: the longest wait for the next bytes).
        http_client: an httpx client to use instead of the provider's own pool (for proxies,
            custom TLS or transports); its owner closes it.
        async_http_client: the same for async calls.
        headers: extra headers sent with every request.
        clock: where the current time comes from, to read HTTP-date ``Retry-After`` values.
    """

    # A cancelled request closes its connection in a loop turn or two (httpcore's and httpx's
    # cleanup is shielded and does not wait on the network), so the guard need not run it in
    # a task of its own.
    cancels_promptly = True

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
        merged = {
            "content-type": "application/json",
            "accept": "application/json",
            "user-agent": "surefoot",
            **(headers or {}),
        }
        if api_key is not None:
            merged["authorization"] = f"Bearer {api_key}"
        self._headers = list(merged.items())
        self._chat_url = f"{self._base_url}/chat/completions"
        self._client = http_client
        self._aclient = async_http_client
        self._http: SyncHttp | None = None if http_client is None else SyncHttp(None, http_client)
        self._ahttp: AsyncHttp | None = (
            None if async_http_client is None else AsyncHttp(None, async_http_client)
        )
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
    def _sync_http(self) -> SyncHttp:
        http = self._http
        if http is None:
            with self._lock:
                if self._http is None:
                    self._http = SyncHttp(sync_pool())
                http = self._http
        return http

    def _async_http(self) -> AsyncHttp:
        http = self._ahttp
        if http is None:
            with self._lock:
                if self._ahttp is None:
                    self._ahttp = AsyncHttp(async_pool())
                http = self._ahttp
        return http

    def close(self) -> None:
        """Close the connection pool this provider created (a passed client is its owner's)."""
        if self._client is None and self._http is not None:
            self._http.close()
            self._http = None

    async def aclose(self) -> None:
        """Close both connection pools this provider created."""
        self.close()
        if self._aclient is None and self._ahttp is not None:
            await self._ahttp.aclose()
            self._ahttp = None

    def _post_args(
        self, url: str, body: dict[str, Any], timeout_s: float | None
    ) -> tuple[str, bytes, list[tuple[str, str]], float]:
        timeout = timeout_s if timeout_s is not None else self._timeout_s
        return url, dumpb(body), self._headers, timeout

    def _now_s(self) -> float:
        return self._clock.now_ns() / 1e9

    # ------------------------------------------------------------------ chat
    def _complete(self, request: ChatRequest) -> ChatResponse:
        # _post_args and _sync_http() spelled out: this is every call's path.
        body = dumpb(chat_body(request, stream=False))
        timeout_s = request.timeout_s if request.timeout_s is not None else self._timeout_s
        http = self._http if self._http is not None else self._sync_http()
        try:
            response = http.post(self._chat_url, body, self._headers, timeout_s)
        except HTTP_ERRORS as exc:  # inline rather than map_provider_errors: the hot path
            raise translate_http_error(exc, self.name) from exc
        if response.status_code >= 400:
            raise_for_status(response, self.name, now_s=self._now_s())
        return parse_chat(loads(response.content, self._name), self._name)

    async def _acomplete(self, request: ChatRequest) -> ChatResponse:
        body = dumpb(chat_body(request, stream=False))
        timeout_s = request.timeout_s if request.timeout_s is not None else self._timeout_s
        http = self._ahttp if self._ahttp is not None else self._async_http()
        try:
            response = await http.post(self._chat_url, body, self._headers, timeout_s)
        except HTTP_ERRORS as exc:  # inline rather than map_provider_errors: the hot path
            raise translate_http_error(exc, self.name) from exc
        if response.status_code >= 400:
            raise_for_status(response, self.name, now_s=self._now_s())
        return parse_chat(loads(response.content, self._name), self._name)

    def _stream(self, request: ChatRequest) -> Iterator[ChatChunk]:
        args = self._post_args(self._chat_url, chat_body(request, stream=True), request.timeout_s)
        progress, decoder, lines = _Progress(), SSEDecoder(), LineDecoder()
        with (
            map_provider_errors(self.name, progress),
            self._sync_http().stream(*args) as (head, body),
        ):
            if head.status_code >= 400:
                error = dataclasses.replace(head, content=b"".join(body))
                raise_for_status(error, self.name, now_s=self._now_s())
            for data in body:
                for line in lines.feed(data):
                    chunk = self._on_line(decoder, line, progress)
                    if isinstance(chunk, _Done):
                        return
                    if chunk is not None:
                        yield chunk
            for line in lines.flush():
                chunk = self._on_line(decoder, line, progress)
                if isinstance(chunk, _Done):
                    return
                if chunk is not None:
                    yield chunk
        self._cut(progress)

    async def _astream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        args = self._post_args(self._chat_url, chat_body(request, stream=True), request.timeout_s)
        progress, decoder, lines = _Progress(), SSEDecoder(), LineDecoder()
        with map_provider_errors(self.name, progress):
            async with self._async_http().stream(*args) as (head, body):
                if head.status_code >= 400:
                    error = dataclasses.replace(head, content=b"".join([d async for d in body]))
                    raise_for_status(error, self.name, now_s=self._now_s())
                async for data in body:
                    for line in lines.feed(data):
                        chunk = self._on_line(decoder, line, progress)
                        if isinstance(chunk, _Done):
                            return
                        if chunk is not None:
                            yield chunk
                for line in lines.flush():
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
        url = f"{self._base_url}/embeddings"
        args = self._post_args(url, embedding_body(request), request.timeout_s)
        try:
            response = self._sync_http().post(*args)
        except HTTP_ERRORS as exc:  # inline rather than map_provider_errors: the hot path
            raise translate_http_error(exc, self.name) from exc
        if response.status_code >= 400:
            raise_for_status(response, self.name, now_s=self._now_s())
        return parse_embeddings(loads(response.content, self.name), self.name)

    async def _aembed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        url = f"{self._base_url}/embeddings"
        args = self._post_args(url, embedding_body(request), request.timeout_s)
        try:
            response = await self._async_http().post(*args)
        except HTTP_ERRORS as exc:  # inline rather than map_provider_errors: the hot path
            raise translate_http_error(exc, self.name) from exc
        if response.status_code >= 400:
            raise_for_status(response, self.name, now_s=self._now_s())
        return parse_embeddings(loads(response.content, self.name), self.name)
