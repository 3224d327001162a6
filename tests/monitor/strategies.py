"""Hypothesis strategies for monitor tests: numeric and categorical columns and their splits."""

from __future__ import annotations

from hypothesis import strategies as st

numbers = st.one_of(
    st.none(),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.integers(-5, 5).map(float),
)
numeric_columns = st.lists(numbers, min_size=0, max_size=60)
categories = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d", "new"]))
categorical_columns = st.lists(categories, min_size=0, max_size=60)
reference_numbers = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=60
)
count_vectors = st.integers(2, 8).flatmap(
    lambda k: st.tuples(
        st.lists(st.integers(0, 500), min_size=k, max_size=k).filter(lambda c: sum(c) > 0),
        st.lists(st.integers(0, 500), min_size=k, max_size=k).filter(lambda c: sum(c) > 0),
    )
)
item_columns = st.lists(st.sampled_from([f"i{k}" for k in range(15)] + [None]), max_size=60)
