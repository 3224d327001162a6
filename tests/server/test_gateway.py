"""The OpenAI-compatible gateway: an OpenAI client through the server and the guard upstream."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.server.conftest import LOOPBACK_CLIENT, LiveServer, server_settings

from surefoot import tracing
from surefoot.core import Decision, DecisionStatus, Settings
from surefoot.guard import (
    Bulkhead,
    Guard,
    GuardResult,
    JsonValid,
    StaticMessage,
    StopAfterAttempts,
    TokenProbability,
    Upstream,
    WaitFixed,
)
from surefoot.providers import ChatResponse, Choice, OpenAICompatibleProvider, Usage
from surefoot.server import create_app
from surefoot.server._chat_body import ChatCompletionBody
from surefoot.server._gateway import completion_json
from surefoot.store import ApiKeys, ApiKeyScope, Store
from surefoot.testing import Fault, FaultServer

UPSTREAM_KEY = "sk-upstream-" + "x" * 24
CALLER_KEY = "sk-caller-" + "y" * 24


@pytest.fixture(name="upstream")
def _upstream() -> Iterator[FaultServer]:
    """A fault-injecting OpenAI-compatible upstream."""
    with FaultServer() as server:
        yield server


def _guard(upstream: FaultServer, *, fallback: bool = False) -> Guard:
    provider = OpenAICompatibleProvider(upstream.base_url, UPSTREAM_KEY, name="fault")
    return Guard(
        [provider],
        fallbacks=[StaticMessage("We are busy; try later.")] if fallback else [],
        stop=StopAfterAttempts(2),
        wait=WaitFixed(0),
        deadline_s=5,
    )


@pytest.fixture(name="gateway")
def _gateway(
    settings: Settings,
    store: Store,
    upstream: FaultServer,
    live_server: Callable[[FastAPI], LiveServer],
) -> Iterator[openai.OpenAI]:
    """An OpenAI client of a live server whose guard calls ``upstream``."""
    server = live_server(create_app(settings, store=store, guard=_guard(upstream)))
    with openai.OpenAI(base_url=f"{server.url}/v1", api_key=CALLER_KEY, max_retries=0) as client:
        yield client


def test_openai_client_is_answered_through_the_guard(gateway: openai.OpenAI) -> None:
    """The OpenAI SDK gets the upstream's answer, the decision and the trace id header."""
    raw = gateway.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )
    completion = raw.parse()
    assert completion.choices[0].message.content == "echo: hi"
    assert raw.headers["x-surefoot-decision"] == "serve"
    assert (completion.model_extra or {})["surefoot"]["decision"] == "serve"


def test_upstream_failures_are_retried(gateway: openai.OpenAI, upstream: FaultServer) -> None:
    """A 500 from the upstream is retried by the guard; the client sees one success."""
    upstream.inject(Fault.server_error())
    completion = gateway.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "again"}]
    )
    assert completion.choices[0].message.content == "echo: again"
    assert upstream.count() == 2


def test_refusal_is_an_openai_error_naming_the_cause(
    gateway: openai.OpenAI, upstream: FaultServer
) -> None:
    """When every attempt fails, the SDK raises a 503 whose message says why."""
    upstream.inject(Fault.unavailable(), times=2)
    with pytest.raises(openai.APIStatusError) as caught:
        gateway.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 503
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["code"] == "upstream_unavailable"


def test_answers_that_fail_validation_are_refused_with_a_502_saying_why(
    settings: Settings, store: Store, upstream: FaultServer
) -> None:
    """A refusal because every answer failed validation is a 502 ``validation_failed`` whose
    message names the validator and its error."""
    provider = OpenAICompatibleProvider(upstream.base_url, UPSTREAM_KEY, name="fault")
    guard = Guard([provider], validation=[JsonValid()], stop=StopAfterAttempts(1), deadline_s=5)
    body = {"model": "m", "messages": [{"role": "user", "content": "not json"}]}
    with TestClient(create_app(settings, store=store, guard=guard), client=LOOPBACK_CLIENT) as c:
        response = c.post("/v1/chat/completions", json=body)
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert "failed validation (json: not valid JSON" in error["message"]


def test_the_callers_key_never_goes_upstream(gateway: openai.OpenAI, upstream: FaultServer) -> None:
    """The upstream sees the guard's provider key, never the key the caller sent."""
    gateway.chat.completions.create(model="m", messages=[{"role": "user", "content": "k"}])
    (seen,) = upstream.requests
    assert CALLER_KEY not in str(dict(seen.headers))
    assert "authorization" in seen.headers


def test_fallback_answers_are_served_with_their_decision(
    settings: Settings, store: Store, upstream: FaultServer
) -> None:
    """With the upstream down, the fallback's text is served and the decision says fallback."""
    upstream.inject(Fault.unavailable(), times=2)
    app = create_app(settings, store=store, guard=_guard(upstream, fallback=True))
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    with TestClient(app, client=LOOPBACK_CLIENT) as client:
        response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "We are busy; try later."
    assert response.json()["surefoot"]["decision"] == "fallback"


def test_gateway_needs_the_gateway_scope(
    store_url: str, store: Store, upstream: FaultServer
) -> None:
    """A read-only key gets 403 on the gateway; a gateway key is served."""
    keys = ApiKeys(store.engine)
    _, reader = keys.create("dash", [ApiKeyScope.READ])
    _, app_key = keys.create("app", [ApiKeyScope.GATEWAY])
    app = create_app(server_settings(store_url), store=store, guard=_guard(upstream))
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    with TestClient(app, client=LOOPBACK_CLIENT) as client:
        denied = client.post("/v1/chat/completions", json=body, headers={"x-api-key": reader})
        served = client.post(
            "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {app_key}"}
        )
    assert denied.status_code == 403
    assert served.status_code == 200


def test_without_a_guard_there_is_no_gateway(client: TestClient) -> None:
    """An app built without a guard does not serve chat completions."""
    response = client.post("/v1/chat/completions", json={})
    assert response.status_code == 404


def test_decisions_and_breaker_states_are_exported(
    settings: Settings, store: Store, upstream: FaultServer
) -> None:
    """/metrics counts gateway decisions and shows each upstream's breaker state."""
    app = create_app(settings, store=store, guard=_guard(upstream))
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    with TestClient(app, client=LOOPBACK_CLIENT) as client:
        client.post("/v1/chat/completions", json=body)
        text = client.get("/metrics").text
    assert 'surefoot_gateway_decisions_total{status="serve"} 1.0' in text
    assert 'surefoot_breaker_state{state="closed",upstream="fault"} 1.0' in text
    assert 'surefoot_breaker_state{state="open",upstream="fault"} 0.0' in text


def test_without_a_guard_no_guard_metrics_exist(client: TestClient) -> None:
    """An app without a guard exports no decision or breaker series, not even zeros."""
    text = client.get("/metrics").text
    assert "surefoot_breaker_state" not in text
    assert "surefoot_gateway_decisions" not in text


def test_gateway_requests_are_traced_into_the_store(
    settings: Settings, store: Store, upstream: FaultServer, tmp_path: Path
) -> None:
    """With tracing on, a gateway request's trace and decision can be read back by its id."""
    tracing_settings = Settings.load(
        store={"url": settings.store.url}, recorder={"spool_dir": tmp_path / "spool"}
    )
    tracing.init(tracing_settings, sink=store)
    app = create_app(settings, store=store, guard=_guard(upstream))
    body = {"model": "m", "messages": [{"role": "user", "content": "traced"}]}
    with TestClient(app, client=LOOPBACK_CLIENT) as client:
        answer = client.post("/v1/chat/completions", json=body)
        trace_id = answer.headers["x-surefoot-trace-id"]
        assert tracing.flush(5.0)
        detail = client.get(f"/api/v1/traces/{trace_id}").json()
    assert detail["summary"]["decision"] == "serve"
    assert any(span["kind"] == "llm" for span in detail["spans"])


def test_confidence_and_served_by_are_response_headers(
    settings: Settings, store: Store, upstream: FaultServer
) -> None:
    """With a confidence scorer, the score and the answering upstream are in x-surefoot-*."""
    provider = OpenAICompatibleProvider(upstream.base_url, UPSTREAM_KEY, name="fault")
    guard = Guard([provider], scorers=[TokenProbability()], deadline_s=5)
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "logprobs": True}
    with TestClient(create_app(settings, store=store, guard=guard)) as client:
        response = client.post("/v1/chat/completions", json=body)
    confidence = float(response.headers["x-surefoot-confidence"])
    assert confidence == pytest.approx(response.json()["surefoot"]["confidence"], abs=1e-4)
    assert response.headers["x-surefoot-served-by"] == "fault"


def test_logprobs_asked_for_come_back_in_openais_shape(gateway: openai.OpenAI) -> None:
    """A client asking for logprobs gets the served answer's tokens, as the SDK parses them."""
    completion = gateway.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "two words"}],
        logprobs=True,
        top_logprobs=2,
    )
    logprobs = completion.choices[0].logprobs
    assert logprobs is not None and logprobs.content
    assert "".join(t.token for t in logprobs.content) == completion.choices[0].message.content
    assert all(t.logprob <= 0 and len(t.top_logprobs) == 2 for t in logprobs.content)


def test_logprobs_are_absent_unless_asked_for(gateway: openai.OpenAI) -> None:
    """Without ``logprobs`` the choice carries none, as OpenAI answers."""
    completion = gateway.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "x"}]
    )
    assert completion.choices[0].logprobs is None


def test_cached_and_reasoning_tokens_are_in_the_usage_details() -> None:
    """The usage details OpenAI reports (cached prompt tokens, reasoning tokens) reach the
    client, which prices those tokens apart."""
    choice = Choice(index=0, content="42", finish_reason="stop")
    usage = Usage(
        input_tokens=1_000, output_tokens=300, cached_input_tokens=800, reasoning_tokens=250
    )
    response = ChatResponse(id="r", model="m", choices=(choice,), usage=usage)
    result = GuardResult(Decision(DecisionStatus.SERVE), response, "42")
    body = ChatCompletionBody.model_validate(
        {"model": "m", "messages": [{"role": "user", "content": "q"}]}
    )
    assert completion_json(body, result)["usage"] == {
        "prompt_tokens": 1_000,
        "completion_tokens": 300,
        "total_tokens": 1_300,
        "prompt_tokens_details": {"cached_tokens": 800},
        "completion_tokens_details": {"reasoning_tokens": 250},
    }


def test_malformed_bodies_are_400s_naming_the_field(
    settings: Settings, store: Store, upstream: FaultServer
) -> None:
    """A missing field or broken JSON is OpenAI's 400 naming where, never a 422 or 500."""
    with TestClient(create_app(settings, store=store, guard=_guard(upstream))) as client:
        missing = client.post("/v1/chat/completions", json={"model": "m"})
        broken = client.post("/v1/chat/completions", content=b"{not json")
    assert missing.status_code == broken.status_code == 400
    assert "body.messages" in missing.json()["error"]["message"]
    assert missing.json()["error"]["code"] == "invalid_parameter"


def test_a_full_bulkhead_is_a_503_to_retry_shortly(
    settings: Settings,
    store: Store,
    upstream: FaultServer,
    live_server: Callable[[FastAPI], LiveServer],
) -> None:
    """A request arriving while the upstream's only slot is busy is refused with 503
    `upstream_overloaded` and Retry-After, not passed off as an upstream error."""
    provider = OpenAICompatibleProvider(upstream.base_url, UPSTREAM_KEY, name="fault")
    guard = Guard([Upstream(provider, bulkhead=Bulkhead(max_concurrent=1))], deadline_s=5)
    server = live_server(create_app(settings, store=store, guard=guard))
    upstream.inject(Fault.latency(1.0))
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    headers = {"Authorization": f"Bearer {CALLER_KEY}"}
    url = f"{server.url}/v1/chat/completions"
    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(httpx.post, url, json=body, headers=headers, timeout=10)
        while upstream.count() == 0:  # the slow call holds the slot once the upstream has it
            time.sleep(0.01)
        refused = httpx.post(url, json=body, headers=headers, timeout=10)
        assert slow.result().status_code == 200
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "upstream_overloaded"
    assert refused.headers["retry-after"] == "1"
