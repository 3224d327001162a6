"""Model references: syntax, floating aliases refused, text round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from tests.providers.strategies import provider_names, stems, version_suffixes

from surefoot.core import ConfigError
from surefoot.providers import ModelRef


def test_provider_and_model_are_split_at_the_first_colon() -> None:
    """The first colon ends the provider; later colons belong to the model id."""
    ref = ModelRef.parse("ollama:llama3.1:8b")
    assert (ref.provider, ref.model, ref.served) == ("ollama", "llama3.1:8b", None)


def test_served_id_follows_an_equals_sign() -> None:
    """``=served-id`` names the exact model behind a deployment name."""
    ref = ModelRef.parse("azure:prod-chat=gpt-4o-2024-08-06")
    assert (ref.model, ref.expected) == ("prod-chat", "gpt-4o-2024-08-06")


def test_local_names_without_a_date_are_pins() -> None:
    """Models a team serves itself do not float, so an undated name is an exact pin."""
    assert not ModelRef.parse("local:gemma3-270m").is_floating


@pytest.mark.parametrize(
    "text",
    ["gpt-4o", "openai:gpt-4o", "anthropic:claude-3-5-sonnet-latest", "local:llama-latest",
     "ollama:llama3:latest", "openai:o1", "gemini-1.5-pro", "azure:prod-chat"],
)  # fmt: skip
def test_floating_aliases_are_refused(text: str) -> None:
    """An alias that can move to a new model without notice is a ConfigError."""
    with pytest.raises(ConfigError, match="floating alias"):
        ModelRef.parse(text)


def test_floating_aliases_are_accepted_when_allowed() -> None:
    """allow_floating=True accepts an alias and marks it floating."""
    assert ModelRef.parse("openai:gpt-4o", allow_floating=True).is_floating


@pytest.mark.parametrize(
    "text",
    ["openai:gpt-4o-2024-08-06", "claude-3-5-sonnet-20241022", "gpt-3.5-turbo-0125",
     "vertex:claude-3-5-sonnet-v2@20241022", "gemini-1.5-pro-002", "mistral:mistral-large-2411",
     "openai:text-embedding-3-small", "gpt-4-1106-preview"],
)  # fmt: skip
def test_dated_snapshots_are_pins(text: str) -> None:
    """Ids ending in a date or snapshot number are accepted as pins."""
    assert not ModelRef.parse(text).is_floating


@pytest.mark.parametrize("text", ["", "local:", "x=", "Bad Name:model", "a b", "llama3.1:8b"])
def test_malformed_references_are_refused(text: str) -> None:
    """Empty parts, whitespace and non-provider prefixes give a ConfigError with the syntax."""
    with pytest.raises(ConfigError):
        ModelRef.parse(text)


@given(provider_names, stems, version_suffixes)
def test_text_form_round_trips(provider: str, stem: str, suffix: str) -> None:
    """str(ref) parses back to an equal reference."""
    ref = ModelRef.parse(f"{provider}:{stem}{suffix}")
    assert ModelRef.parse(str(ref)) == ref


@given(stems, version_suffixes)
def test_any_version_suffix_makes_a_hosted_name_a_pin(stem: str, suffix: str) -> None:
    """A hosted provider's name with a version suffix is never floating."""
    assert not ModelRef.parse(f"openai:{stem}{suffix}").is_floating
