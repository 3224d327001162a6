"""The frozen response types every call parses into, built as drafts.

Each builder makes exactly what the class's constructor makes from the same values, in about a
third of the time (see :mod:`surefoot.providers._frozen`). ``tests/providers/
test_builders.py`` compares every builder with its constructor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from surefoot.providers._frozen import draft_class
from surefoot.providers._types import ChatResponse, Choice, Usage

if TYPE_CHECKING:
    from collections.abc import Mapping

    from surefoot.providers._types import TokenLogprob

__all__ = ["new_chat_response", "new_choice", "new_usage"]

_UsageDraft = draft_class(Usage)
_ChoiceDraft = draft_class(Choice)
_ResponseDraft = draft_class(ChatResponse)


def new_usage(
    input_tokens: int, output_tokens: int, cached_input_tokens: int, reasoning_tokens: int
) -> Usage:
    """``Usage(...)`` with every field given."""
    usage = _UsageDraft()
    usage.input_tokens = input_tokens
    usage.output_tokens = output_tokens
    usage.cached_input_tokens = cached_input_tokens
    usage.reasoning_tokens = reasoning_tokens
    usage.__class__ = Usage
    return usage  # type: ignore[no-any-return]


def new_choice(
    index: int,
    content: str | None,
    finish_reason: str | None,
    role: str,
    tool_calls: tuple[Mapping[str, Any], ...],
    refusal: str | None,
    logprobs: tuple[TokenLogprob, ...] | None,
) -> Choice:
    """``Choice(...)`` with every field given."""
    choice = _ChoiceDraft()
    choice.index = index
    choice.content = content
    choice.finish_reason = finish_reason
    choice.role = role
    choice.tool_calls = tool_calls
    choice.refusal = refusal
    choice.logprobs = logprobs
    choice.__class__ = Choice
    return choice  # type: ignore[no-any-return]


def new_chat_response(
    id: str,
    model: str,
    choices: tuple[Choice, ...],
    usage: Usage,
    system_fingerprint: str | None,
    created: int | None,
    raw: Mapping[str, Any],
) -> ChatResponse:
    """``ChatResponse(...)`` with every field given."""
    response = _ResponseDraft()
    response.id = id
    response.model = model
    response.choices = choices
    response.usage = usage
    response.system_fingerprint = system_fingerprint
    response.created = created
    response.raw = raw
    response.__class__ = ChatResponse
    return response  # type: ignore[no-any-return]
