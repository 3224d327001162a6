"""Chat-message-list inputs: cases promoted from production are sent as their messages."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surefoot.core import InvalidInput
from surefoot.evals import (
    Dataset,
    GuardTarget,
    ProviderTarget,
    Runner,
    RunOutcome,
    Target,
    exact_match,
    make_case,
    url_target,
)
from surefoot.evals._target import is_conversation
from surefoot.guard import Guard
from surefoot.providers import OpenAICompatibleProvider, Provider
from surefoot.testing import FaultServer

CONVERSATION = [
    {"role": "user", "content": "my order is late"},
    {"role": "assistant", "content": "Which order?"},
    {"role": "user", "content": "o42"},
]


@pytest.fixture(name="server")
def _server() -> Iterator[FaultServer]:
    """A FaultServer answering with the last message's content."""
    with FaultServer(respond=lambda body: str(body["messages"][-1]["content"])) as server:
        yield server


def _run(target: Target, provider: Provider, input: Any, expected: Any) -> Any:
    async def run() -> RunOutcome:
        try:
            data = Dataset.from_cases("d", [make_case(input, expected)])
            return await Runner().arun(data, target, {"exact": exact_match})
        finally:
            # The client's pool belongs to this event loop: close it inside.
            await provider.aclose()

    return asyncio.run(run()).means()


def _url(server: FaultServer, **kwargs: Any) -> ProviderTarget:
    return url_target(f"{server.base_url}/v1", "m-1", **kwargs)


def _sent(server: FaultServer) -> list[dict[str, Any]]:
    body = server.requests[-1].body
    assert isinstance(body, dict)
    return list(body["messages"])


def test_messages_are_sent_as_they_are(server: FaultServer) -> None:
    """A message-list input reaches the model unchanged, with no template applied."""
    target = _url(server, prompt="Say: {input}")
    means = _run(target, target.provider, CONVERSATION, "o42")
    assert (means, _sent(server)) == ({"exact": 1.0}, CONVERSATION)


def test_suite_system_prompt_is_prepended_when_messages_have_none(server: FaultServer) -> None:
    """The suite's system prompt leads a conversation that carries none of its own."""
    target = _url(server, system="Be kind.")
    _run(target, target.provider, CONVERSATION, "o42")
    assert _sent(server) == [{"role": "system", "content": "Be kind."}, *CONVERSATION]


def test_conversation_system_prompt_wins(server: FaultServer) -> None:
    """A conversation with its own system message is not given the suite's as well."""
    own = [{"role": "system", "content": "Be terse."}, *CONVERSATION]
    target = _url(server, system="Be kind.")
    _run(target, target.provider, own, "o42")
    assert _sent(server) == own


def test_string_inputs_still_use_the_template(server: FaultServer) -> None:
    """A string input is still rendered into the ``{input}`` template as the user message."""
    target = _url(server, prompt="Say: {input}")
    _run(target, target.provider, "hi", "Say: hi")
    assert _sent(server) == [{"role": "user", "content": "Say: hi"}]


def test_guard_target_sends_messages_too(server: FaultServer) -> None:
    """Through a guard the conversation is sent unchanged as well."""
    provider = OpenAICompatibleProvider(f"{server.base_url}/v1", name="fault")
    target = GuardTarget(Guard([provider]), "m-1", prompt="Say: {input}")
    means = _run(target, provider, CONVERSATION, "o42")
    assert (means, _sent(server)) == ({"exact": 1.0}, CONVERSATION)


def test_malformed_conversation_is_refused() -> None:
    """A list mixing messages with other values is refused with a fix, not sent half-formed."""
    with pytest.raises(InvalidInput, match="not an OpenAI chat message"):
        is_conversation([{"role": "user", "content": "hi"}, "and more"])


def test_unknown_role_is_refused() -> None:
    """A message with a role OpenAI does not know is refused."""
    with pytest.raises(InvalidInput, match="role"):
        is_conversation([{"role": "robot", "content": "hi"}])


_roles = st.sampled_from(["user", "assistant", "system"])
_messages = st.lists(
    st.fixed_dictionaries({"role": _roles, "content": st.text(max_size=20)}), min_size=1
)


@given(_messages)
def test_any_message_list_is_a_conversation(messages: list[dict[str, Any]]) -> None:
    """Every non-empty list of well-formed messages counts as a conversation."""
    assert is_conversation(messages)


@given(st.one_of(st.text(), st.lists(st.integers()), st.dictionaries(st.text(), st.text())))
def test_other_values_are_not_conversations(value: Any) -> None:
    """Strings, plain lists and dicts are templated, never sent as messages."""
    assert not is_conversation(value)
