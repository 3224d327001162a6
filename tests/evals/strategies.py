"""Hypothesis strategies shared by the eval tests."""

from __future__ import annotations

from hypothesis import strategies as st

from surefoot.core import CaseOrigin

# Printable text without surrogates; CSV and JSON both carry it losslessly.
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), text)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)
tags = st.lists(st.text("abcdefgh", min_size=1, max_size=6), max_size=3)
origins = st.sampled_from(list(CaseOrigin))
