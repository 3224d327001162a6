"""The provider interface: one base class every model client derives from.

Callers (the guard, the gateway, users) use the public methods: :meth:`Provider.complete`,
:meth:`~Provider.acomplete` (and their ``*_checked`` forms, which also return the pin check),
:meth:`~Provider.stream`, :meth:`~Provider.astream`, :meth:`~Provider.embed`,
:meth:`~Provider.aembed`, :meth:`~Provider.close` and :meth:`~Provider.aclose`, or the provider
as a (async) context manager. Every public call

* opens one ``llm`` (or ``embedding``) span with the GenAI attributes and the full prompt,
* checks the served model against the request's pin and records a mismatch on the span,
* raises :class:`~surefoot.core.errors.ContentFiltered` when every choice was refused, and
* for streams, raises :class:`~surefoot.core.errors.MalformedResponse` when the stream ends
  without a finish reason: a cut stream never looks like success.

Implementations override the underscore methods; only :meth:`Provider._complete` is required.
The defaults run sync code in a worker thread for the async twins, stream a complete answer as
one chunk, and refuse embeddings. A provider makes exactly one attempt per call: retrying, with
the deadline and budget in view, is the guard's job, and a second retry loop inside a client
would multiply attempts. Errors are always from :mod:`surefoot.core.errors`.
"""

from __future__ import annotations

import abc
import asyncio
from typing import TYPE_CHECKING, Any, ClassVar, Self

from surefoot.core.errors import InvalidInput
from surefoot.providers import _telemetry
from surefoot.providers._pins import PinTracker
from surefoot.providers._stream import StreamAccumulator, chunk_from_response

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator, Mapping

    from surefoot.providers._pins import PinCheck
    from surefoot.providers._types import (
        ChatChunk,
        ChatRequest,
        ChatResponse,
        EmbeddingRequest,
        EmbeddingResponse,
    )

__all__ = ["Provider"]


class Provider(abc.ABC):
    """Base class of model providers: traced calls, pin checks, lifecycle.

    Args:
        name: how spans, errors and routing refer to this provider (``gen_ai.provider.name``).
    """

    cancels_promptly: ClassVar[bool] = False
    """Whether a cancelled call unwinds within an event loop turn or two. The guard awaits such
    a provider in the caller's task and cancels it at the timeout; any other provider runs in
    a task of its own that the guard stops waiting for, so a slow unwind cannot hold a request
    past its deadline. Set it only for code whose cancellation cleanup never waits long."""

    def __init__(self, *, name: str) -> None:
        self._name = name
        self._pins = PinTracker()

    @property
    def name(self) -> str:
        """The provider's name."""
        return self._name

    @property
    def pins(self) -> PinTracker:
        """Served-model checks so far: ``pins.mismatches`` counts responses off their pin."""
        return self._pins

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self._name!r})"

    # ------------------------------------------------------------------ public, traced
    def complete(self, request: ChatRequest) -> ChatResponse:
        """Run one chat completion attempt.

        Raises:
            ProviderError: a subclass saying what failed (timeout, rate limit, outage, format,
                content filter).
        """
        return self.complete_checked(request)[0]

    async def acomplete(self, request: ChatRequest) -> ChatResponse:
        """Async twin of :meth:`complete`."""
        return (await self.acomplete_checked(request))[0]

    def complete_checked(
        self, request: ChatRequest, *, attributes: Mapping[str, Any] | None = None
    ) -> tuple[ChatResponse, PinCheck]:
        """:meth:`complete`, also returning the served-model check the call made and recorded.

        For callers that act on the pin check (the guard), so the response is not checked twice.

        Args:
            request: the chat request.
            attributes: more attributes for the call's ``llm`` span (the guard adds which
                upstream and attempt the call is).

        Raises:
            ProviderError: as for :meth:`complete`.
        """
        if not _telemetry.recording():
            # Untraced, the span would be a no-op: skip building its attributes and copies,
            # and make only the checks ChatCall.finish makes besides recording.
            return self._checked_untraced(request, self._complete(request))
        with _telemetry.chat_call(self, request, attributes=attributes) as call:
            response = self._complete(request)
            check = call.finish(response)
        return response, check

    async def acomplete_checked(
        self, request: ChatRequest, *, attributes: Mapping[str, Any] | None = None
    ) -> tuple[ChatResponse, PinCheck]:
        """Async twin of :meth:`complete_checked`."""
        if not _telemetry.recording():
            return self._checked_untraced(request, await self._acomplete(request))
        with _telemetry.chat_call(self, request, attributes=attributes) as call:
            response = await self._acomplete(request)
            check = call.finish(response)
        return response, check

    def _checked_untraced(
        self, request: ChatRequest, response: ChatResponse
    ) -> tuple[ChatResponse, PinCheck]:
        """The pin check and the content filter of an untraced call (what ChatCall.finish
        does besides recording)."""
        check = self._pins.check(
            request.pin or request.model, response.model, response.system_fingerprint
        )
        first = response.choices[0] if response.choices else None
        if first is None or first.finish_reason == "content_filter" or first.refusal is not None:
            # Only then can every choice be refused: an answered first one ends the search.
            _telemetry.raise_if_filtered(self._name, response)
        return response, check

    def stream(
        self, request: ChatRequest, *, attributes: Mapping[str, Any] | None = None
    ) -> Generator[ChatChunk, None, None]:
        """Stream one chat completion attempt chunk by chunk.

        Close the iterator (or use :func:`contextlib.closing`) when stopping early, so the
        connection and the span end at once. ``attributes`` go on the call's ``llm`` span, as
        for :meth:`complete_checked`.

        Raises:
            MalformedResponse: the stream ended without a finish reason; the message says how
                many chunks and characters arrived.
            ProviderError: as for :meth:`complete`, also after some chunks were yielded.
        """
        with _telemetry.chat_call(self, request, streaming=True, attributes=attributes) as call:
            acc = StreamAccumulator(self._name)
            for chunk in self._stream(request):
                acc.add(chunk)
                yield chunk
            call.finish(acc.finish())

    async def astream(
        self, request: ChatRequest, *, attributes: Mapping[str, Any] | None = None
    ) -> AsyncGenerator[ChatChunk, None]:
        """Async twin of :meth:`stream`."""
        with _telemetry.chat_call(self, request, streaming=True, attributes=attributes) as call:
            acc = StreamAccumulator(self._name)
            async for chunk in self._astream(request):
                acc.add(chunk)
                yield chunk
            call.finish(acc.finish())

    def embed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        """Embed texts in one attempt."""
        with _telemetry.embedding_call(self, request) as call:
            response = self._embed(request)
            call.finish(response)
        return response

    async def aembed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        """Async twin of :meth:`embed`."""
        with _telemetry.embedding_call(self, request) as call:
            response = await self._aembed(request)
            call.finish(response)
        return response

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Release connections and threads. Idempotent."""
        return  # nothing to release by default

    async def aclose(self) -> None:
        """Async twin of :meth:`close`."""
        self.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ for implementations
    @abc.abstractmethod
    def _complete(self, request: ChatRequest) -> ChatResponse:
        """Make the call; raise errors from :mod:`surefoot.core.errors` only."""

    async def _acomplete(self, request: ChatRequest) -> ChatResponse:
        return await asyncio.to_thread(self._complete, request)

    def _stream(self, request: ChatRequest) -> Iterator[ChatChunk]:
        # Providers without native streaming stream their whole answer as one chunk.
        yield chunk_from_response(self._complete(request))

    async def _astream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        yield chunk_from_response(await self._acomplete(request))

    def _embed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        raise InvalidInput(
            f"provider {self._name!r} does not serve embeddings (model {request.model!r})",
            hint="route embedding requests to a provider that serves them",
        )

    async def _aembed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        return await asyncio.to_thread(self._embed, request)
