"""Validators and their on-fail actions: reask, fix, filter, fallback, escalate, raise, monitor."""

from __future__ import annotations

import pydantic
import pytest
from tests.guard._helpers import request, scripted

from surefoot.core import DecisionStatus, FakeClock, ValidationFailed
from surefoot.guard import (
    Guard,
    InMemoryEscalationSink,
    JsonSchema,
    JsonValid,
    Length,
    OnFail,
    PydanticModel,
    Regex,
    StaticMessage,
    ValidationPolicy,
)
from surefoot.providers import ChatRequest


class Answer(pydantic.BaseModel):
    """The structured answer expected from the model."""

    city: str
    population: int


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    return FakeClock()


def test_json_validator_accepts_fenced_json() -> None:
    """JSON inside a Markdown code fence is parsed."""
    result = JsonValid()('```json\n{"a": 1}\n```')
    assert result.ok and result.value == {"a": 1}


def test_schema_and_pydantic_validators_report_what_is_wrong() -> None:
    """Schema and model violations name the offending field."""
    schema = {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}
    bad = JsonSchema(schema)('{"city": 3}')
    assert not bad.ok and "city" in bad.errors[0]
    parsed = PydanticModel(Answer)('{"city": "Oslo", "population": 700000}')
    assert parsed.ok and parsed.value == Answer(city="Oslo", population=700000)
    assert not PydanticModel(Answer)('{"city": "Oslo"}').ok


def test_validators_combine_with_and_and_or() -> None:
    """``&`` needs all validators to pass, ``|`` any one; plain callables join in."""
    both = Regex(r"^\d+$") & Length(max_chars=3)
    assert both("123").ok
    assert not both("1234").ok
    either = Regex(r"^yes$") | (lambda text: text == "no")
    assert either("no").ok
    assert not either("maybe").ok


def test_reask_feeds_the_error_back_and_serves_the_fix(clock: FakeClock) -> None:
    """A failed answer is reasked once with the error, and the valid retry is served."""
    provider, script = scripted(clock, "not json", '{"ok": true}')
    policy = ValidationPolicy(JsonValid(), on_fail=OnFail.REASK, max_reasks=2)
    result = Guard([provider], validation=[policy], clock=clock).complete(request())
    assert result.content == '{"ok": true}'
    assert result.attempts[1].reask
    reask = script.requests[1].messages
    assert reask[-2] == {"role": "assistant", "content": "not json"}
    assert "not valid JSON" in reask[-1]["content"]


def test_reasks_replace_the_failed_turn_instead_of_accumulating(clock: FakeClock) -> None:
    """However many reasks, the prompt grows by at most two messages and the stated bound."""
    provider, script = scripted(clock, "x" * 50_000)
    policy = ValidationPolicy(JsonValid(), on_fail=OnFail.REASK, max_reasks=5)
    original = request("give me json")
    Guard([provider], validation=[policy], clock=clock).complete(original)
    base_chars = sum(len(m["content"]) for m in original.messages)
    for sent in script.requests:
        assert len(sent.messages) <= len(original.messages) + 2
        chars = sum(len(m["content"]) for m in sent.messages)
        assert chars <= base_chars + policy.reask_growth_bound()
    assert len(script.requests) == 6


def test_reasks_exhausted_fall_back(clock: FakeClock) -> None:
    """After the last reask fails the chain moves on to the fallback."""
    provider, _ = scripted(clock, "nope")
    policy = ValidationPolicy(JsonValid(), on_fail=OnFail.REASK, max_reasks=1)
    guard = Guard([provider], validation=[policy], fallbacks=[StaticMessage("s")], clock=clock)
    result = guard.complete(request())
    assert result.content == "s"
    assert "validation_failed:json:reasks_exhausted" in result.decision.reasons


def test_a_refusal_after_failed_answers_names_the_validator_and_its_errors(
    clock: FakeClock,
) -> None:
    """With no fallback left the refusal's error says which validator failed and why, and what
    to do, instead of only that nothing could answer."""
    provider, _ = scripted(clock, "nope", name="primary")
    policy = ValidationPolicy(JsonValid(), on_fail=OnFail.REASK, max_reasks=1)
    result = Guard([provider], validation=[policy], clock=clock).complete(request())
    assert result.decision.status is DecisionStatus.REFUSED
    assert isinstance(result.error, ValidationFailed)
    assert result.error.message.startswith(
        "the answer of upstream 'primary' failed validation (json: not valid JSON"
    )
    assert "add a fallback" in str(result.error)


def test_fix_repairs_the_output(clock: FakeClock) -> None:
    """The fix callable's repair is validated and served."""
    provider, _ = scripted(clock, "{'a': 1}")
    policy = ValidationPolicy(JsonValid(), on_fail=OnFail.FIX, fix=lambda t, r: t.replace("'", '"'))
    result = Guard([provider], validation=[policy], clock=clock).complete(request())
    assert result.content == '{"a": 1}'
    assert "validation_fixed:json" in result.decision.reasons


def test_filter_withholds_the_output(clock: FakeClock) -> None:
    """A filtered answer is not served and the request is refused without raising."""
    provider, _ = scripted(clock, "secret stuff")
    policy = ValidationPolicy(Regex("^ok"), on_fail=OnFail.FILTER)
    result = Guard([provider], validation=[policy], clock=clock).complete(request())
    assert result.decision.status is DecisionStatus.REFUSED
    assert result.content == ""


def test_raise_refuses_with_validation_failed(clock: FakeClock) -> None:
    """on_fail=RAISE refuses with ValidationFailed, raised when the guard raises."""
    provider, _ = scripted(clock, "bad")
    policy = ValidationPolicy(JsonValid(), on_fail=OnFail.RAISE)
    result = Guard([provider], validation=[policy], clock=clock).complete(request())
    assert isinstance(result.error, ValidationFailed)
    loud = Guard([provider], validation=[policy], raise_on_refusal=True, clock=clock)
    with pytest.raises(ValidationFailed):
        loud.complete(request())


def test_escalate_hands_the_full_context_to_the_sink(clock: FakeClock) -> None:
    """An escalated request reaches the sink with its response and decision."""
    provider, _ = scripted(clock, "dubious")
    sink = InMemoryEscalationSink()
    policy = ValidationPolicy(JsonValid(), on_fail=OnFail.ESCALATE)
    guard = Guard([provider], validation=[policy], escalation=sink, clock=clock)
    result = guard.complete(request())
    assert result.decision.status is DecisionStatus.ESCALATE
    [item] = sink.items
    assert item.content == "dubious"
    assert item.decision == result.decision
    assert isinstance(item.request, ChatRequest)


def test_monitor_only_serves_and_records(clock: FakeClock) -> None:
    """Monitor-only records the failure and serves the answer anyway."""
    provider, _ = scripted(clock, "plain text")
    policy = ValidationPolicy(JsonValid(), on_fail=OnFail.MONITOR)
    result = Guard([provider], validation=[policy], clock=clock).complete(request())
    assert result.decision.status is DecisionStatus.SERVE
    assert "validation_failed:json:monitored" in result.decision.reasons


def test_fix_policy_without_a_fix_is_a_config_error() -> None:
    """on_fail=FIX without a fix callable is rejected when configured."""
    with pytest.raises(ValueError, match="fix callable"):
        ValidationPolicy(JsonValid(), on_fail=OnFail.FIX)
