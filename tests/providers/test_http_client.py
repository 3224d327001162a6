"""The provider's HTTP layer: line decoding, the httpcore pool, a caller's httpx client."""

from __future__ import annotations

import httpx
from hypothesis import given
from hypothesis import strategies as st

from surefoot.core import RateLimited
from surefoot.providers import ChatRequest, OpenAICompatibleProvider
from surefoot.providers._http import LineDecoder
from surefoot.testing import Fault, FaultServer

REQUEST = ChatRequest(model="m-1", messages=[{"role": "user", "content": "one two three"}])

_text = st.lists(st.sampled_from(["a", "é", "data: x", "\n", "\r", "\r\n", "\u2028", ":"])).map(
    "".join
)


def _decode(chunks: list[bytes]) -> list[str]:
    decoder = LineDecoder()
    lines = [line for chunk in chunks for line in decoder.feed(chunk)]
    return lines + decoder.flush()


@given(_text, st.lists(st.integers(0, 64), max_size=8))
def test_lines_do_not_depend_on_chunking(text: str, cuts: list[int]) -> None:
    """However the bytes are split (inside a character or a CRLF too), lines are splitlines'."""
    data = text.encode()
    points = sorted({min(c, len(data)) for c in cuts})
    chunks = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    assert _decode(chunks) == text.splitlines()


def test_a_crlf_split_across_chunks_ends_one_line() -> None:
    """A CR at the end of one chunk and an LF at the start of the next make one line end."""
    assert _decode([b"data: a\r", b"\ndata: b\r\n\r\n"]) == ["data: a", "data: b", ""]


def test_invalid_utf8_is_replaced() -> None:
    """Bytes that are not UTF-8 become U+FFFD instead of failing the stream."""
    assert _decode([b"data: \xff\n"]) == ["data: \ufffd"]


def test_a_callers_httpx_client_streams(fault_server: FaultServer) -> None:
    """Streaming works through a passed httpx client too, with the same text."""
    with (
        httpx.Client() as client,
        OpenAICompatibleProvider(fault_server.base_url, http_client=client) as provider,
    ):
        text = "".join(c.content for c in provider.stream(REQUEST))
    assert text == "echo: one two three"


def test_a_callers_httpx_client_maps_statuses(fault_server: FaultServer) -> None:
    """A 429 through a passed httpx client is RateLimited with its Retry-After."""
    fault_server.inject(Fault.rate_limit(retry_after_s=3))
    with (
        httpx.Client() as client,
        OpenAICompatibleProvider(fault_server.base_url, http_client=client) as provider,
    ):
        try:
            provider.complete(REQUEST)
        except RateLimited as exc:
            assert exc.retry_after_s == 3.0
        else:
            raise AssertionError("a 429 must raise RateLimited")


def test_connections_are_kept_alive(fault_server: FaultServer) -> None:
    """Consecutive calls reuse one pooled connection rather than reconnecting."""
    with OpenAICompatibleProvider(fault_server.base_url) as provider:
        for _ in range(5):
            provider.complete(REQUEST)
        http = provider._sync_http()
        assert http._pool is not None
        assert len(http._pool.connections) == 1


def test_requests_carry_json_headers(fault_server: FaultServer) -> None:
    """Requests say JSON in and out and name surefoot as the client."""
    with OpenAICompatibleProvider(fault_server.base_url) as provider:
        provider.complete(REQUEST)
    headers = {k.lower(): v for k, v in fault_server.requests[-1].headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
    assert headers["user-agent"] == "surefoot"
