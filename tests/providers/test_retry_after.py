"""Retry-After parsing: delta-seconds, HTTP-dates and retry-after-ms."""

from __future__ import annotations

import email.utils

from hypothesis import given
from hypothesis import strategies as st

from surefoot.providers import parse_retry_after

NOW_S = 1_700_000_000.0


@given(st.integers(0, 10**6))
def test_delta_seconds_are_read_as_seconds(seconds: int) -> None:
    """An integer Retry-After is that many seconds."""
    assert parse_retry_after({"Retry-After": str(seconds)}, now_s=NOW_S) == seconds


@given(st.integers(0, 10**6))
def test_http_dates_give_the_seconds_until_then(offset: int) -> None:
    """An HTTP-date Retry-After is the time from now until that date."""
    date = email.utils.formatdate(NOW_S + offset, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now_s=NOW_S) == offset


@given(st.integers(1, 10**6))
def test_past_dates_mean_retry_now(offset: int) -> None:
    """A date in the past gives zero, never a negative wait."""
    date = email.utils.formatdate(NOW_S - offset, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now_s=NOW_S) == 0.0


@given(st.integers(0, 10**7), st.integers(0, 10**6))
def test_milliseconds_win_over_seconds(millis: int, seconds: int) -> None:
    """retry-after-ms is used, in seconds, when both headers are present."""
    headers = {"retry-after-ms": str(millis), "retry-after": str(seconds)}
    assert parse_retry_after(headers, now_s=NOW_S) == millis / 1000


@given(st.text(max_size=30))
def test_garbage_never_raises(value: str) -> None:
    """Any header text gives a non-negative number of seconds or None."""
    result = parse_retry_after({"retry-after": value}, now_s=NOW_S)
    assert result is None or result >= 0


def test_missing_header_gives_none() -> None:
    """Without either header there is no advice."""
    assert parse_retry_after({}, now_s=NOW_S) is None


def test_negative_and_non_finite_values_are_ignored() -> None:
    """Negative, NaN and infinite delays are unreadable, not waits."""
    for value in ("-1", "nan", "inf"):
        assert parse_retry_after({"retry-after": value}, now_s=NOW_S) is None
