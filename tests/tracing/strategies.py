"""Hypothesis strategies for tracing tests: spans, card numbers, secrets."""

from __future__ import annotations

from hypothesis import strategies as st

from surefoot.core import ErrorInfo, SpanKind, SpanRecord, SpanStatus

hex32 = st.text("0123456789abcdef", min_size=32, max_size=32).filter(lambda s: s != "0" * 32)
hex16 = st.text("0123456789abcdef", min_size=16, max_size=16).filter(lambda s: s != "0" * 16)
json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=30)
json_values = st.recursive(
    json_scalars | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def span_records(draw: st.DrawFn) -> SpanRecord:
    """Any span the recorder may journal."""
    start = draw(st.integers(0, 2**62))
    error = draw(st.none() | st.builds(ErrorInfo, st.text(max_size=10), st.text(), st.text()))
    return SpanRecord(
        trace_id=draw(hex32),
        span_id=draw(hex16),
        name=draw(st.text(max_size=20)),
        kind=draw(st.sampled_from(SpanKind)),
        parent_id=draw(st.none() | hex16),
        start_ns=start,
        end_ns=start + draw(st.integers(0, 10**12)),
        status=draw(st.sampled_from(SpanStatus)),
        attributes=draw(st.dictionaries(st.text(max_size=12), json_values, max_size=5)),
        input=draw(json_values),
        output=draw(json_values),
        error=error,
    )


def _luhn_check_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


@st.composite
def luhn_numbers(draw: st.DrawFn) -> str:
    """A 13-19 digit number that passes the Luhn check."""
    body = draw(st.text("0123456789", min_size=12, max_size=18))
    return body + _luhn_check_digit(body)


@st.composite
def non_luhn_numbers(draw: st.DrawFn) -> str:
    """A 13-19 digit number that fails the Luhn check."""
    number = draw(luhn_numbers())
    last = (int(number[-1]) + draw(st.integers(1, 9))) % 10
    return number[:-1] + str(last)


_alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
secrets = st.one_of(
    st.text(_alnum + "_-", min_size=20, max_size=40).map(lambda s: "sk-" + s),
    st.text(_alnum + "_-", min_size=20, max_size=40).map(lambda s: "sk-proj-" + s),
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16).map(lambda s: "AKIA" + s),
    st.text(_alnum, min_size=36, max_size=40).map(lambda s: "ghp_" + s),
)
words = st.text("abcdefghij klmnop", max_size=30)
emails = st.builds(
    "{}@{}.{}".format,
    st.text(_alnum + "._%+-", min_size=1, max_size=20).filter(lambda s: s[0].isalnum()),
    st.text(_alnum + "-", min_size=1, max_size=15).filter(lambda s: s[0].isalnum()),
    st.sampled_from(["com", "io", "de", "co.uk", "org"]),
)
"""Email addresses as people write them (not every RFC 5322 oddity)."""
