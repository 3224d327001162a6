"""Inputs and outputs are captured exactly as JSON-safe data, capped with an explicit marker."""

from __future__ import annotations

import dataclasses
import json
import math

import pydantic
import pytest

from surefoot import tracing
from surefoot.core import SpanRecord, semconv
from surefoot.store._codec import json_dumps
from surefoot.tracing._payload import clean_attribute, clean_into, to_jsonable
from surefoot.tracing._processors import TruncatePayloads


class Question(pydantic.BaseModel):
    text: str
    k: int = 3


@dataclasses.dataclass
class Doc:
    id: int
    body: bytes


def test_pydantic_models_become_their_dump() -> None:
    """A pydantic model is captured via model_dump."""
    assert to_jsonable(Question(text="hi")) == {"text": "hi", "k": 3}


def test_dataclasses_become_dicts_and_bytes_a_marker() -> None:
    """Dataclass fields are captured by name; bytes become a length marker."""
    assert to_jsonable(Doc(1, b"abc")) == {"id": 1, "body": "<bytes: 3>"}


def test_unknown_objects_become_repr_and_nan_a_string() -> None:
    """Anything unknown is its repr; non-finite floats are strings."""

    class Thing:
        def __repr__(self) -> str:
            return "Thing()"

    assert to_jsonable({"t": Thing(), "n": math.nan, "s": {1}}) == {
        "t": "Thing()",
        "n": "NaN",
        "s": [1],
    }


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_are_spelled_as_the_store_spells_them(value: float) -> None:
    """A captured payload and a stored attribute spell NaN and the infinities alike."""
    assert json.loads(json_dumps(value)) == to_jsonable(value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_non_finite_attribute_is_spelled_as_a_captured_payload(value: float) -> None:
    """An attribute and a payload holding the same non-finite float record the same string."""
    assert clean_attribute("score", value) == to_jsonable(value)


def test_attributes_set_together_are_cleaned_as_one_by_one() -> None:
    """Plain values are kept as they are; anything else is converted as clean_attribute does."""
    attributes: dict[str, object] = {}
    values = {"s": "x", "n": 3, "b": True, "z": None, "f": math.inf, "t": ("a", 1), 7: {1: 2}}
    clean_into(attributes, values)  # type: ignore[arg-type]
    assert attributes == {str(k): clean_attribute(k, v) for k, v in values.items()}  # type: ignore[arg-type]
    assert attributes == {
        "s": "x", "n": 3, "b": True, "z": None, "f": "Infinity", "t": ["a", 1], "7": {"1": 2}
    }  # fmt: skip


def test_hostile_repr_never_raises() -> None:
    """An object whose repr raises is recorded as unrepresentable."""

    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert to_jsonable(Hostile()).startswith("<unrepresentable")


def test_self_referencing_structure_is_cut_at_depth() -> None:
    """A cyclic structure is converted down to a fixed depth instead of recursing forever."""
    cycle: list[object] = []
    cycle.append(cycle)
    assert "<max depth>" in str(to_jsonable(cycle))


def test_captured_input_is_a_snapshot(settings_factory, sink) -> None:
    """Mutating the input after capture does not change what is recorded."""
    tracing.init(settings_factory(), sink=sink)
    messages = [{"role": "user", "content": "hi"}]
    with tracing.span("chat", input=messages):
        messages.append({"role": "assistant", "content": "hello"})
    assert tracing.flush()
    assert sink.spans[0].input == [{"role": "user", "content": "hi"}]


def test_oversized_payload_is_truncated_with_marker(settings_factory, sink) -> None:
    """An output over max_payload_chars ends in the marker and is listed as truncated."""
    tracing.init(settings_factory(tracing={"max_payload_chars": 100}), sink=sink)
    with tracing.span("big") as sp:
        sp.set_output("x" * 250)
        sp.set_input({"doc": "y" * 300})
    assert tracing.flush()
    (span,) = sink.spans
    assert span.output == "x" * 100 + semconv.TRUNCATION_MARKER.format(omitted=150)
    assert isinstance(span.input, str)
    assert span.input.endswith("more characters]")
    assert span.attributes[semconv.SF_TRUNCATED] == ["input", "output"]


def test_spans_sharing_a_long_input_share_one_cut_copy() -> None:
    """Two spans holding one oversized input object come out holding one cut string, and both
    list the input as truncated."""
    cap = TruncatePayloads(100)
    prompt = [{"role": "system", "content": "z" * 300}]
    first = cap(SpanRecord("a" * 32, "b" * 16, "guard", input=prompt))
    second = cap(SpanRecord("a" * 32, "c" * 16, "chat", input=prompt))
    assert isinstance(first.input, str) and first.input.endswith("more characters]")
    assert second.input is first.input
    assert second.attributes[semconv.SF_TRUNCATED] == ["input"]


def test_a_shared_input_is_measured_again_under_a_new_cap() -> None:
    """A cap changed between two spans applies to the second, even for the same input object."""
    cap = TruncatePayloads(10_000)
    prompt = [{"role": "system", "content": "z" * 300}]
    assert cap(SpanRecord("a" * 32, "b" * 16, "guard", input=prompt)).input is prompt
    cap.max_chars = 100
    assert isinstance(cap(SpanRecord("a" * 32, "c" * 16, "chat", input=prompt)).input, str)


def test_non_json_attribute_is_converted_and_counted(settings_factory, sink, caplog) -> None:
    """A non-JSON attribute value is converted, counted, and logged once per key and type."""
    tracing.init(settings_factory(), sink=sink)
    for _ in range(3):
        with tracing.span("odd") as sp:
            sp.set_attribute("when", object())
    assert tracing.flush()
    assert tracing.stats().attributes_converted == 3
    assert len([r for r in caplog.records if "'when'" in r.getMessage()]) <= 1
    assert all(isinstance(sp.attributes["when"], str) for sp in sink.spans)


def test_attribute_keys_that_are_not_strings_are_recorded_as_strings(
    settings_factory, sink
) -> None:
    """A key that is not a string becomes its str(), as the initial attributes' keys do, so
    redaction and the store, which read keys as text, never meet another type."""
    tracing.init(settings_factory(), sink=sink)
    with tracing.span("keys", attributes={7: "a"}) as sp:  # type: ignore[dict-item]
        sp.set_attribute(8, "b")  # type: ignore[arg-type]
        sp.set_attributes({9: "c"})  # type: ignore[dict-item]
    assert tracing.flush()
    assert {k: sink.spans[0].attributes[k] for k in ("7", "8", "9")} == {
        "7": "a",
        "8": "b",
        "9": "c",
    }


def test_capture_payloads_off_records_no_payloads(settings_factory, sink) -> None:
    """With tracing.capture_payloads off, inputs and outputs are not recorded."""
    tracing.init(settings_factory(tracing={"capture_payloads": False}), sink=sink)
    with tracing.span("quiet", input="secret stuff") as sp:
        sp.set_output("more")
    assert tracing.flush()
    assert (sink.spans[0].input, sink.spans[0].output) == (None, None)


@pytest.mark.parametrize("value", [1, 2.5, True, None, "s", [1, "a"], {"k": [1]}])
def test_json_values_pass_through_unchanged(value) -> None:
    """JSON-native values are captured as they are."""
    assert to_jsonable(value) == value
