"""Identifiers compatible with W3C trace context and OpenTelemetry."""

from __future__ import annotations

import random
import time

# A private generator: seeded by the OS, independent of user code that reseeds `random`.
_rng = random.Random()


def new_trace_id() -> str:
    """A 128-bit trace id as 32 lowercase hex digits: the Unix time in milliseconds (48 bits),
    then 80 random bits. Never all zero.

    Time first, as in a UUIDv7: the store's indexes on trace ids then grow at one end instead of
    at random places, which kept span writes at 16 to 19 us a span as a SQLite store grew to
    600,000 spans, where ids random throughout took 28 to 35 and kept slowing down. The random
    part covers the rightmost 7 bytes that W3C trace context (level 2) asks to be random, and is
    what sampling reads (:func:`surefoot.tracing.sampled_in`).
    """
    millis = time.time_ns() // 1_000_000 & 0xFFFF_FFFF_FFFF
    return f"{millis:012x}{_rng.getrandbits(80) or 1:020x}"


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
