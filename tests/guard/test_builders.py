"""The guard's draft builders make exactly what the constructors make, frozen all the same."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surefoot.core import Decision, DecisionStatus, ProviderUnavailable
from surefoot.guard import AttemptRecord, GuardResult
from surefoot.guard._build import attempt_record, attempt_request, guard_result
from surefoot.providers import ChatRequest, ChatResponse, Choice, ModelRef

_text = st.text(max_size=8)
_opt_text = st.none() | _text
_seconds = st.floats(min_value=0.0, max_value=1e6)
_pins = st.none() | st.sampled_from(
    [ModelRef.parse("m-1", allow_floating=True), ModelRef.parse("local:m-2=m-2-2024-01-01")]
)

records = st.tuples(
    _text,
    st.integers(1, 10),
    st.sampled_from(["ok", "error", "rejected"]),
    _seconds,
    _seconds,
    _opt_text,
    _opt_text,
    st.booleans(),
)

requests = st.builds(
    ChatRequest,
    model=_text,
    messages=st.lists(st.fixed_dictionaries({"role": st.just("user"), "content": _text})),
    temperature=st.none() | st.floats(0.0, 2.0),
    max_tokens=st.none() | st.integers(1, 100),
    stop=st.none() | _text | st.lists(_text, max_size=2),
    seed=st.none() | st.integers(0, 9),
    logprobs=st.booleans(),
    extra_body=st.none() | st.just({"x": 1}),
    timeout_s=st.none() | _seconds,
    pin=_pins,
)


def _fields(obj: object) -> dict[str, object]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}  # type: ignore[arg-type]


@given(records)
def test_an_attempt_record_equals_the_constructed_one(
    values: tuple[str, int, str, float, float, str | None, str | None, bool],
) -> None:
    """Every field, the type, equality and the hash match AttemptRecord(...)."""
    built, expected = attempt_record(*values), AttemptRecord(*values)
    assert type(built) is AttemptRecord
    assert _fields(built) == _fields(expected)
    assert built == expected and hash(built) == hash(expected)


@given(st.sampled_from(list(DecisionStatus)), _text, st.none() | _text, st.booleans())
def test_a_guard_result_equals_the_constructed_one(
    status: DecisionStatus, content: str, trace_id: str | None, failed: bool
) -> None:
    """Every field (the same objects, not copies) and equality match GuardResult(...)."""
    decision = Decision(status, reasons=("r",))
    response = ChatResponse(id="i", model="m", choices=(Choice(0, content, "stop"),))
    attempts = [AttemptRecord("up", 1, "ok", 0.1, 1.0)]
    error = ProviderUnavailable("down") if failed else None
    values = (decision, response, content, attempts, trace_id, error)
    built, expected = guard_result(*values), GuardResult(*values)
    assert type(built) is GuardResult
    assert all(a is b for a, b in zip(_fields(built).values(), values, strict=True))
    assert built == expected


@given(requests, _pins, _seconds)
def test_an_attempt_request_equals_replace(
    request: ChatRequest, ref: ModelRef | None, timeout_s: float
) -> None:
    """The attempt's request is the caller's with the lane's model, pin and timeout."""
    sent = attempt_request(request, ref, timeout_s)
    changes: dict[str, object] = {"timeout_s": timeout_s}
    if ref is not None:
        changes.update(model=ref.model, pin=ref)
    assert type(sent) is ChatRequest
    assert _fields(sent) == _fields(dataclasses.replace(request, **changes))  # type: ignore[arg-type]


def test_built_objects_stay_frozen() -> None:
    """A built object refuses assignment like a constructed one."""
    built = [
        attempt_record("up", 1, "ok", 0.1, 1.0, None, None, False),
        guard_result(Decision(DecisionStatus.SERVE), None, "", [], None, None),
        attempt_request(ChatRequest(model="a", messages=[]), ModelRef.parse("local:b"), 1.0),
    ]
    for obj in built:
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.__setattr__(dataclasses.fields(obj)[0].name, "changed")  # type: ignore[arg-type]
