"""The request an attempt sends: the pinned model and the attempt's timeout, all else kept."""

from __future__ import annotations

import dataclasses

from surefoot.guard._build import attempt_request
from surefoot.providers import ChatRequest, ModelRef, ResponseFormat

PIN = ModelRef.parse("local:m-2")
SET = {
    "model": "m-1",
    "messages": [{"role": "user", "content": "hi"}],
    "temperature": 0.5,
    "top_p": 0.9,
    "max_tokens": 7,
    "stop": ["\n"],
    "seed": 3,
    "n": 2,
    "response_format": ResponseFormat.json_object(),
    "logprobs": True,
    "top_logprobs": 4,
    "tools": [{"type": "function"}],
    "tool_choice": "auto",
    "extra_body": {"x": 1},
    "timeout_s": 9.0,
    "pin": ModelRef.parse("local:m-1"),
}


def test_every_field_is_set_in_the_fixture() -> None:
    """The fixture sets every field, so a field added to ChatRequest fails the next test."""
    assert set(SET) == {f.name for f in dataclasses.fields(ChatRequest)}


def test_every_other_field_is_carried_over() -> None:
    """Only the model, the pin and the timeout change; every other field is the caller's."""
    sent = attempt_request(ChatRequest(**SET), PIN, 1.5)  # type: ignore[arg-type]
    expected = {**SET, "model": "m-2", "pin": PIN, "timeout_s": 1.5}
    assert {f.name: getattr(sent, f.name) for f in dataclasses.fields(sent)} == expected


def test_an_unpinned_lane_keeps_the_callers_model_and_pin() -> None:
    """Without a lane pin only the timeout changes."""
    original = ChatRequest(**SET)  # type: ignore[arg-type]
    assert attempt_request(original, None, 1.5) == dataclasses.replace(original, timeout_s=1.5)


def test_a_request_that_needs_no_change_is_sent_as_is() -> None:
    """When model, pin and timeout already match, the caller's (frozen) request is not copied."""
    original = dataclasses.replace(ChatRequest(**SET), model="m-2", pin=PIN, timeout_s=1.5)  # type: ignore[arg-type]
    assert attempt_request(original, PIN, 1.5) is original
