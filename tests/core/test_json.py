"""The one JSON encoding: fast path and standard-library fallback agree."""

from __future__ import annotations

import enum
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surefoot.core import _json
from surefoot.core._json import dumpb, dumps, loads

_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _finite_view(value: Any) -> Any:
    """What a value should read back as: non-finite floats spelled as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return _json.NON_FINITE[repr(value)]
    if isinstance(value, dict):
        return {k: _finite_view(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite_view(v) for v in value]
    return value


@given(_values)
def test_fast_path_and_fallback_read_back_the_same(value: Any) -> None:
    fast = json.loads(dumps(value))
    slow = json.loads(_json._fallback(value))
    assert fast == slow == _finite_view(value)


@given(_values)
def test_loads_reads_back_what_dumpb_wrote(value: Any) -> None:
    assert loads(dumpb(value)) == _finite_view(value)


def test_non_finite_floats_become_javascript_names() -> None:
    assert dumps([math.nan, math.inf, -math.inf]) == '["NaN","Infinity","-Infinity"]'


def test_text_is_compact_utf8_without_ascii_escapes() -> None:
    assert dumps({"a": "é 😀", "b": [1, 2]}) == '{"a":"é 😀","b":[1,2]}'


def test_values_json_has_no_type_for_become_their_str() -> None:
    class Thing:
        def __str__(self) -> str:
            return "a thing"

    assert dumps({"x": Thing()}) == '{"x":"a thing"}'


def test_enum_members_are_written_as_their_values() -> None:
    class Colour(enum.Enum):
        RED = "red"

    assert dumps(Colour.RED) == '"red"'


def test_a_cycle_is_written_as_a_marker_where_it_closes() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    assert json.loads(dumps(loop)) == [1, "<circular reference>"]


def test_nesting_past_the_fast_encoders_depth_still_encodes() -> None:
    deep: Any = "leaf"
    for _ in range(400):
        deep = [deep]
    assert dumps(deep) == "[" * 400 + '"leaf"' + "]" * 400


def test_bytes_that_are_not_utf8_are_written_as_their_repr() -> None:
    assert json.loads(dumps({"b": b"\xff"})) == {"b": "b'\\xff'"}


def test_loads_reads_utf16_documents_as_the_standard_library_does() -> None:
    assert loads('{"a": 1}'.encode("utf-16")) == {"a": 1}


def test_loads_refuses_what_is_not_json_with_a_position() -> None:
    with pytest.raises(json.JSONDecodeError, match="line 1 column"):
        loads(b"{not json")
