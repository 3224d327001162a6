"""The batches the offloaded recorder sends its child: exact round trips, odd values, bad bytes."""

from __future__ import annotations

import enum
import marshal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.tracing.strategies import span_records

from surefoot.core import SpanRecord
from surefoot.tracing._offload import BATCH_HEADER, SPANS, decode_batch, encode_batch

_HEAD = len(SPANS) + BATCH_HEADER.size


class _Colour(enum.StrEnum):
    RED = "red"


class _Opaque:
    def __repr__(self) -> str:
        return "<opaque>"


@given(st.lists(span_records(), max_size=5))
def test_a_batch_round_trips_exactly(records: list[SpanRecord]) -> None:
    """Decoding an encoded batch gives back equal spans, with the same value types."""
    assert decode_batch(encode_batch(records)[_HEAD:]) == records


def test_the_header_carries_the_payload_length_and_checksum() -> None:
    """The frame is the spans tag, then the length and CRC-32 of exactly the bytes that follow."""
    frame = encode_batch([SpanRecord("a" * 32, "b" * 16, "x")])
    length, _crc = BATCH_HEADER.unpack(frame[len(SPANS) : _HEAD])
    assert frame[: len(SPANS)] == SPANS
    assert length == len(frame) - _HEAD


def test_values_marshal_cannot_carry_arrive_converted() -> None:
    """A str subclass or an arbitrary object put on a record by hand is converted, not lost."""
    record = SpanRecord("a" * 32, "b" * 16, "x")
    record.attributes = {"colour": _Colour.RED, "thing": _Opaque()}
    record.input = {"nested": [_Colour.RED]}
    (back,) = decode_batch(encode_batch([record])[_HEAD:])
    assert back.attributes == {"colour": "red", "thing": "<opaque>"}
    assert back.input == {"nested": ["red"]}


@pytest.mark.parametrize("payload", [b"", b"not marshal", b"\xe9\x03\x00\x00"])
def test_bytes_that_are_not_a_batch_raise_value_error(payload: bytes) -> None:
    """Garbage is a ValueError (the child's read loop stops on it), never another exception."""
    with pytest.raises(ValueError, match="not a span batch"):
        decode_batch(payload)


def test_a_row_of_the_wrong_shape_raises_value_error() -> None:
    """A well-formed payload whose rows are not spans is refused the same way."""
    with pytest.raises(ValueError, match="not a span batch"):
        decode_batch(marshal.dumps([("only", "three", "fields")]))
