"""Streaming: chunks add up to the answer; a cut stream always raises."""

from __future__ import annotations

from contextlib import closing

import pytest

from surefoot.core import ContentFiltered, MalformedResponse, ProviderUnavailable
from surefoot.providers import ChatChunk, ChatRequest, OpenAICompatibleProvider
from surefoot.testing import Fault, FaultServer

REQUEST = ChatRequest(model="m-1", messages=[{"role": "user", "content": "one two three four"}])


@pytest.fixture(name="provider")
def _provider(fault_server: FaultServer):
    with OpenAICompatibleProvider(fault_server.base_url, name="upstream") as provider:
        yield provider


def test_chunks_join_to_the_full_answer(provider: OpenAICompatibleProvider) -> None:
    """The streamed text equals the non-streamed text and the last chunk finishes it."""
    chunks = list(provider.stream(REQUEST))
    assert "".join(c.content for c in chunks) == provider.complete(REQUEST).content
    assert chunks[-1].finish_reason is None or chunks[-1].finish_reason == "stop"
    assert any(c.finish_reason == "stop" for c in chunks)


async def test_async_chunks_join_to_the_full_answer(provider: OpenAICompatibleProvider) -> None:
    """The async stream yields the same text as the sync one."""
    text = "".join([c.content async for c in provider.astream(REQUEST)])
    await provider.aclose()
    assert text == "echo: one two three four"


def test_an_abrupt_cut_raises_with_progress(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """A dropped connection mid-stream raises ProviderUnavailable saying what had arrived."""
    fault_server.inject(Fault.cut_stream(after_chunks=2))
    received: list[ChatChunk] = []
    with pytest.raises(ProviderUnavailable, match=r"after 3 chunks \(10 characters\)"):
        received.extend(provider.stream(REQUEST))
    assert len(received) == 3


def test_a_clean_end_without_done_raises(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """A body that ends cleanly before [DONE] raises MalformedResponse, never looks complete."""
    fault_server.inject(Fault.cut_stream(after_chunks=1, abrupt=False))
    with pytest.raises(MalformedResponse, match=r"before \[DONE\] after 2 chunks"):
        list(provider.stream(REQUEST))


async def test_async_cuts_raise_too(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """The async stream raises on both kinds of cut."""
    fault_server.inject(Fault.cut_stream(2), Fault.cut_stream(2, abrupt=False))
    for error in (ProviderUnavailable, MalformedResponse):
        with pytest.raises(error):
            [c async for c in provider.astream(REQUEST)]
    await provider.aclose()


def test_a_refused_stream_raises_content_filtered(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """A stream ending with finish_reason content_filter raises ContentFiltered."""
    fault_server.inject(Fault.refusal("no"))
    with pytest.raises(ContentFiltered, match="no"):
        list(provider.stream(REQUEST))


def test_http_errors_raise_before_any_chunk(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """A 503 on a stream request raises the mapped error, not an empty stream."""
    fault_server.inject(Fault.unavailable())
    with pytest.raises(ProviderUnavailable, match="503"):
        list(provider.stream(REQUEST))


def test_stopping_early_releases_the_connection(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """Closing a stream after one chunk leaves the provider usable for the next call."""
    with closing(provider.stream(REQUEST)) as stream:
        next(iter(stream))
    assert provider.complete(REQUEST).content == "echo: one two three four"
    assert fault_server.count(model="m-1") == 2
