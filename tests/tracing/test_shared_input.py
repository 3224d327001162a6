"""A span given its parent's input object, unchanged, shares the parent's snapshot of it."""

from __future__ import annotations

import dataclasses
import gc
import weakref
from typing import Any

import pytest

from surefoot import tracing
from surefoot.core import SpanKind


@pytest.fixture(autouse=True)
def _init(settings_factory, sink) -> None:
    tracing.init(settings_factory(), sink=sink)


def _messages() -> list[dict[str, Any]]:
    return [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello"}]


def test_a_child_given_the_parents_input_object_shares_its_snapshot() -> None:
    """The model call under a guard span holds the very snapshot the guard took: one copy."""
    messages = _messages()
    with tracing.span("guard", kind=SpanKind.GUARD) as guard:
        guard.set_input(messages)
        with tracing.span("chat", kind=SpanKind.LLM, input=messages) as llm:
            assert llm.record.input is guard.record.input


def test_an_input_changed_in_place_since_the_parents_snapshot_is_copied_again() -> None:
    """The child records the messages as they are when it starts, the parent as they were."""
    messages = _messages()
    with tracing.span("guard") as guard:
        guard.set_input(messages)
        messages.append({"role": "user", "content": "and more"})
        with tracing.span("chat", input=messages) as llm:
            assert llm.record.input == messages
            assert guard.record.input == _messages()


def test_an_equal_value_in_another_object_keeps_its_own_json() -> None:
    """Equal in Python is not the same JSON: ``1.0`` stays a float under a parent holding ``1``."""
    with tracing.span("parent", input=[1]) as parent, tracing.span("child", input=[1.0]) as child:
        assert parent.record.input == [1]
        assert child.record.input is not parent.record.input
        assert type(child.record.input[0]) is float


def test_an_input_whose_comparison_raises_is_copied() -> None:
    """A value that cannot be compared with the snapshot is captured the ordinary way."""

    class Strict:
        def __eq__(self, other: object) -> bool:
            raise TypeError("not comparable")

        __hash__ = object.__hash__

        def __repr__(self) -> str:
            return "Strict()"

    value = [Strict()]
    with tracing.span("parent", input=value) as parent, tracing.span("child", input=value) as child:
        assert child.record.input == parent.record.input == ["Strict()"]


def test_a_span_lets_go_of_its_input_object_when_it_ends() -> None:
    """The caller's object is kept only while the span is open (to compare a child's with)."""

    @dataclasses.dataclass
    class Payload:
        text: str

    payload = Payload("hello")
    alive = weakref.ref(payload)
    with tracing.span("parent", input=payload) as span:
        pass
    del payload
    gc.collect()
    assert alive() is None
    assert span.record.input == {"text": "hello"}
