"""An untraced call makes the same content-filter decision as the full check, whatever the
choices say."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surefoot.core import ContentFiltered
from surefoot.providers import CallableProvider, ChatRequest, ChatResponse, Choice
from surefoot.providers._telemetry import raise_if_filtered

_choices = st.lists(
    st.builds(
        Choice,
        index=st.just(0),
        content=st.none() | st.just("text"),
        finish_reason=st.sampled_from([None, "stop", "length", "content_filter"]),
        refusal=st.sampled_from([None, "", "I cannot help with that"]),
    ),
    max_size=3,
)


@given(_choices)
def test_a_call_is_refused_exactly_when_the_full_check_refuses(choices: list[Choice]) -> None:
    """The shortcut on the first choice never changes whether ContentFiltered is raised."""
    response = ChatResponse(id="r", model="m-1", choices=tuple(choices))
    provider = CallableProvider(lambda request: response, name="p")
    request = ChatRequest(model="m-1", messages=[])
    try:
        raise_if_filtered("p", response)
    except ContentFiltered:
        with pytest.raises(ContentFiltered):
            provider.complete_checked(request)
    else:
        assert provider.complete_checked(request)[0] is response
