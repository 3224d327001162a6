"""Each upstream fault becomes the documented surefoot error, sync and async."""

from __future__ import annotations

import time

import pytest

from surefoot.core import (
    ContentFiltered,
    InvalidInput,
    MalformedResponse,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    SurefootError,
)
from surefoot.providers import ChatRequest, OpenAICompatibleProvider
from surefoot.testing import Fault, FaultServer

REQUEST = ChatRequest(model="m-1", messages=[{"role": "user", "content": "hi"}], timeout_s=0.3)

CASES = [
    (Fault.rate_limit(retry_after_s=3), RateLimited),
    (Fault.server_error(), ProviderUnavailable),
    (Fault.unavailable(), ProviderUnavailable),
    (Fault.status(502), ProviderUnavailable),
    (Fault.status(504), ProviderUnavailable),
    (Fault.status(501), ProviderError),
    (Fault.status(400, "max_tokens is too large"), InvalidInput),
    (Fault.status(404, "model not found"), InvalidInput),
    (Fault.status(401, "bad key"), ProviderError),
    (Fault.status(408), ProviderTimeout),
    (Fault.malformed(), MalformedResponse),
    (Fault.malformed('{"id": "x", "choices": []}'), MalformedResponse),
    (Fault.malformed('{"object": "chat.completion"}'), MalformedResponse),
    (Fault.cut_stream(), ProviderUnavailable),
    (Fault.refusal(), ContentFiltered),
    (Fault.hang(), ProviderTimeout),
]


@pytest.fixture(name="provider")
def _provider(fault_server: FaultServer):
    with OpenAICompatibleProvider(fault_server.base_url, "sk-test", name="upstream") as provider:
        yield provider


@pytest.mark.parametrize(("fault", "error"), CASES, ids=lambda c: getattr(c, "kind", ""))
def test_sync_calls_raise_the_mapped_error(
    fault_server: FaultServer, provider: OpenAICompatibleProvider, fault: Fault, error: type
) -> None:
    """A faulted response raises exactly the documented error type."""
    fault_server.inject(fault)
    with pytest.raises(SurefootError) as info:
        provider.complete(REQUEST)
    assert type(info.value) is error


@pytest.mark.parametrize(("fault", "error"), CASES, ids=lambda c: getattr(c, "kind", ""))
async def test_async_calls_raise_the_mapped_error(
    fault_server: FaultServer, provider: OpenAICompatibleProvider, fault: Fault, error: type
) -> None:
    """The async twin maps every fault the same way."""
    fault_server.inject(fault)
    try:
        with pytest.raises(SurefootError) as info:
            await provider.acomplete(REQUEST)
    finally:
        await provider.aclose()
    assert type(info.value) is error


def test_rate_limits_carry_retry_after(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """The Retry-After of a 429 arrives as retry_after_s, in each header form."""
    for header, expected in (("seconds", 3.0), ("ms", 0.25), ("date", 30.0)):
        seconds = expected if header != "ms" else 0.25
        fault_server.inject(Fault.rate_limit(retry_after_s=seconds, header=header))
        with pytest.raises(RateLimited) as info:
            provider.complete(REQUEST)
        assert info.value.retry_after_s == pytest.approx(expected, abs=1.5)


def test_upstream_messages_are_kept(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """A 4xx error quotes the upstream's own message and status."""
    fault_server.inject(Fault.status(422, "temperature must be <= 2"))
    with pytest.raises(InvalidInput, match=r"HTTP 422: temperature must be <= 2"):
        provider.complete(REQUEST)


def test_errors_name_the_provider_and_status(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """Provider errors carry the provider's name and the HTTP status."""
    fault_server.inject(Fault.unavailable())
    with pytest.raises(ProviderUnavailable) as info:
        provider.complete(REQUEST)
    assert (info.value.provider, info.value.status_code) == ("upstream", 503)


def test_a_hang_ends_at_the_attempt_timeout(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """A server that never answers raises ProviderTimeout after the request's timeout_s."""
    fault_server.inject(Fault.hang())
    started = time.monotonic()
    with pytest.raises(ProviderTimeout):
        provider.complete(REQUEST)
    assert 0.25 < time.monotonic() - started < 2.0


def test_unreachable_servers_are_unavailable() -> None:
    """Nothing listening on the port raises ProviderUnavailable."""
    with FaultServer() as server:
        url = server.base_url
    with (
        OpenAICompatibleProvider(url, name="gone") as provider,
        pytest.raises(ProviderUnavailable, match="cannot connect"),
    ):
        provider.complete(REQUEST)


def test_api_keys_stay_out_of_errors_and_repr(
    fault_server: FaultServer, provider: OpenAICompatibleProvider
) -> None:
    """Neither the repr nor an error message contains the API key."""
    fault_server.inject(Fault.status(401, "bad key"))
    with pytest.raises(ProviderError) as info:
        provider.complete(REQUEST)
    assert "sk-test" not in str(info.value) and "sk-test" not in repr(provider)
    assert fault_server.requests[-1].headers["authorization"] == "***"
