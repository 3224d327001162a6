"""Every fault of the fault server, seen through the official openai package."""

from __future__ import annotations

import json

import openai
import pytest

from surefoot.testing import Fault, FaultServer

MESSAGES = [{"role": "user", "content": "say something"}]


@pytest.fixture(name="client")
def _client(fault_server: FaultServer):
    with openai.OpenAI(
        base_url=fault_server.base_url, api_key="sk-test", max_retries=0, timeout=0.5
    ) as client:
        yield client


def _chat(client: openai.OpenAI, **kwargs):
    return client.chat.completions.create(model="m-1", messages=MESSAGES, **kwargs)  # type: ignore[arg-type]


def test_normal_answers_echo_the_user(client: openai.OpenAI) -> None:
    """Without faults the answer echoes the last user message."""
    assert _chat(client).choices[0].message.content == "echo: say something"


def test_rate_limit_sends_retry_after(fault_server: FaultServer, client: openai.OpenAI) -> None:
    """A 429 with its Retry-After header reaches the SDK."""
    fault_server.inject(Fault.rate_limit(retry_after_s=7))
    with pytest.raises(openai.RateLimitError) as info:
        _chat(client)
    assert info.value.response.headers["retry-after"] == "7"


@pytest.mark.parametrize("code", [500, 503])
def test_server_errors_reach_the_sdk(
    fault_server: FaultServer, client: openai.OpenAI, code: int
) -> None:
    """Scripted 5xx statuses arrive as the SDK's server errors."""
    fault_server.inject(Fault.status(code))
    with pytest.raises(openai.InternalServerError) as info:
        _chat(client)
    assert info.value.status_code == code


def test_hangs_time_the_client_out(fault_server: FaultServer, client: openai.OpenAI) -> None:
    """A hang is seen as the client's own timeout."""
    fault_server.inject(Fault.hang())
    with pytest.raises(openai.APITimeoutError):
        _chat(client)


def test_latency_delays_the_answer(fault_server: FaultServer, client: openai.OpenAI) -> None:
    """A latency fault answers normally after the delay."""
    fault_server.inject(Fault.latency(0.8))
    with pytest.raises(openai.APITimeoutError):
        _chat(client)
    fault_server.inject(Fault.latency(0.05))
    assert _chat(client).choices[0].message.content == "echo: say something"


def test_malformed_bodies_break_the_sdk(fault_server: FaultServer, client: openai.OpenAI) -> None:
    """A body that is not JSON makes the SDK fail to decode it."""
    fault_server.inject(Fault.malformed())
    with pytest.raises((json.JSONDecodeError, openai.APIError)):
        _chat(client)


def test_cut_streams_stop_without_finishing(
    fault_server: FaultServer, client: openai.OpenAI
) -> None:
    """A cut stream gives the SDK a few chunks and no finish reason."""
    fault_server.inject(Fault.cut_stream(after_chunks=1, abrupt=False))
    chunks = list(_chat(client, stream=True))
    assert chunks and all(c.choices[0].finish_reason is None for c in chunks)


def test_abrupt_cuts_raise_in_the_sdk(fault_server: FaultServer, client: openai.OpenAI) -> None:
    """A dropped connection mid-stream raises a connection error in the SDK."""
    fault_server.inject(Fault.cut_stream(after_chunks=1))
    with pytest.raises(openai.APIConnectionError):
        list(_chat(client, stream=True))


def test_silent_upgrades_change_the_served_model(
    fault_server: FaultServer, client: openai.OpenAI
) -> None:
    """A served-model fault reports another model id and a fingerprint fault another fingerprint."""
    fault_server.inject(Fault.served_model("m-2"), Fault.fingerprint("fp_b"))
    assert _chat(client).model == "m-2"
    assert _chat(client).system_fingerprint == "fp_b"


def test_verbose_answers_are_longer(fault_server: FaultServer, client: openai.OpenAI) -> None:
    """A verbose fault repeats the answer and bills the extra tokens."""
    fault_server.inject(Fault.verbose(factor=10))
    response = _chat(client)
    assert response.usage is not None and response.usage.completion_tokens == 30


def test_format_drift_answers_prose_to_json_requests(
    fault_server: FaultServer, client: openai.OpenAI
) -> None:
    """JSON is asked for; prose comes back."""
    fault_server.inject(Fault.format_drift())
    content = _chat(client, response_format={"type": "json_object"}).choices[0].message.content
    with pytest.raises(json.JSONDecodeError):
        json.loads(content or "")


def test_refusals_use_content_filter(fault_server: FaultServer, client: openai.OpenAI) -> None:
    """A refusal ends with finish_reason content_filter and a refusal message."""
    fault_server.inject(Fault.refusal("not allowed"))
    choice = _chat(client).choices[0]
    assert (choice.finish_reason, choice.message.refusal) == ("content_filter", "not allowed")


def test_scripted_content_is_a_function_of_the_request(
    fault_server: FaultServer, client: openai.OpenAI
) -> None:
    """Fault.content computes the answer from the request body."""
    fault_server.inject(Fault.content(lambda body: json.dumps({"model": body["model"]})))
    assert json.loads(_chat(client).choices[0].message.content or "") == {"model": "m-1"}


def test_models_are_listed(fault_server: FaultServer, client: openai.OpenAI) -> None:
    """/v1/models lists the models requested so far."""
    _chat(client)
    assert [m.id for m in client.models.list()] == ["m-1"]


def test_embeddings_are_served(client: openai.OpenAI) -> None:
    """/v1/embeddings returns one unit vector per input."""
    data = client.embeddings.create(model="e-1", input=["a", "b"]).data
    assert len(data) == 2 and sum(x * x for x in data[0].embedding) == pytest.approx(1, abs=1e-4)
