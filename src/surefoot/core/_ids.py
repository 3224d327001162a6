"""Identifiers compatible with W3C trace context and OpenTelemetry."""

from __future__ import annotations

import random

# A private generator: seeded by the OS, independent of user code that reseeds `random`.
_rng = random.Random()


def new_trace_id() -> str:
    """A 128-bit trace id as 32 lowercase hex digits, never all zero."""
    return f"{_rng.getrandbits(128) or 1:032x}"


def new_span_id() -> str:
    """A 64-bit span id as 16 lowercase hex digits, never all zero."""
    return f"{_rng.getrandbits(64) or 1:016x}"


def new_id() -> str:
    """A 128-bit random id for records that are not spans."""
    return f"{_rng.getrandbits(128) or 1:032x}"


def is_trace_id(value: str) -> bool:
    """Whether ``value`` is a valid trace id."""
    return len(value) == 32 and _is_hex(value) and value != "0" * 32


def is_span_id(value: str) -> bool:
    """Whether ``value`` is a valid span id."""
    return len(value) == 16 and _is_hex(value) and value != "0" * 16


def _is_hex(value: str) -> bool:
    try:
        int(value, 16)
    except ValueError:
        return False
    return value == value.lower()
