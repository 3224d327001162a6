"""Parsing of time arguments: relative durations ("15m", "2h", "7d") or ISO 8601 instants."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from surefoot.core import InvalidInput

_UNITS_S = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")


def parse_duration_s(text: str) -> float:
    """Seconds in a duration such as ``90s``, ``15m``, ``2h``, ``7d`` or ``1w``.

    Examples:
        >>> parse_duration_s("15m")
        900.0
        >>> parse_duration_s("1.5h")
        5400.0

    Raises:
        InvalidInput: the text is not a number followed by one of s, m, h, d, w.
    """
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise InvalidInput(
            f"{text!r} is not a duration",
            hint="write a number and a unit: 90s, 15m, 2h, 7d or 1w",
        )
    return float(match.group(1)) * _UNITS_S[match.group(2)]


def parse_instant_ns(text: str, *, now_ns: int) -> int:
    """Nanoseconds since the epoch for ``text``: a duration ago, or an ISO 8601 instant.

    Naive ISO times are taken as UTC.

    Examples:
        >>> parse_instant_ns("1h", now_ns=7_200_000_000_000)
        3600000000000
        >>> parse_instant_ns("1970-01-01T00:00:10", now_ns=0)
        10000000000

    Raises:
        InvalidInput: the text is neither a duration nor an ISO 8601 instant.
    """
    try:
        return now_ns - int(parse_duration_s(text) * 1e9)
    except InvalidInput:
        pass
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{text!r} is neither a duration nor an ISO 8601 time",
            hint="use e.g. 2h (two hours ago) or 2026-11-24T10:00:00",
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1_000_000) * 1000


def format_ns(ns: int) -> str:
    """An epoch-nanosecond time as local ISO text to the millisecond."""
    return (
        datetime.fromtimestamp(ns / 1e9, tz=UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    )


def format_duration_ns(ns: int) -> str:
    """A duration for humans: µs, ms or s with three significant digits.

    Examples:
        >>> format_duration_ns(1_234_567)
        '1.23 ms'
        >>> format_duration_ns(2_500_000_000)
        '2.50 s'
    """
    if ns < 1_000_000:
        return f"{ns / 1e3:.0f} µs"
    if ns < 1_000_000_000:
        return f"{ns / 1e6:.3g} ms"
    return f"{ns / 1e9:.2f} s"
