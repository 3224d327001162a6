"""Hypothesis strategies for provider parsers: model ids, version suffixes, SSE events."""

from __future__ import annotations

from hypothesis import strategies as st

# Model-id stems: lowercase words and digits joined by dashes, never ending in a version suffix.
_word = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6)
stems = st.lists(_word, min_size=1, max_size=4).map("-".join)

dates = st.dates().filter(lambda d: d.year >= 1000)
version_suffixes = st.one_of(
    dates.map(lambda d: f"-{d.isoformat()}"),
    dates.map(lambda d: f"-{d:%Y%m%d}"),
    st.integers(0, 9999).map(lambda n: f"-{n:04d}"),
    st.integers(0, 999).map(lambda n: f"-{n:03d}"),
    dates.map(lambda d: f"@{d:%Y%m%d}"),
)
provider_names = st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True)

# SSE field values: any text without line breaks (a line ending ends the field).
sse_values = st.text(
    st.characters(codec="utf-8", exclude_characters="\r\n\x00"), min_size=0, max_size=30
)
sse_events = st.tuples(
    st.lists(sse_values, min_size=1, max_size=4),
    st.from_regex(r"[a-z]{1,8}", fullmatch=True) | st.none(),
)
