"""Targets: providers and guards answer cases with the configured prompt."""

from __future__ import annotations

import datetime as dt

import pytest

from surefoot.evals import (
    CostUsd,
    Dataset,
    GuardTarget,
    ProviderTarget,
    Runner,
    exact_match,
    make_case,
)
from surefoot.guard import Guard
from surefoot.providers import CallableProvider, ChatRequest, ChatResponse, Choice
from surefoot.providers import Usage as ProviderUsage
from surefoot.tracing import Price, PriceTable


def _upper(request: ChatRequest) -> str:
    return str(request.messages[-1]["content"]).removeprefix("Say: ").upper()


DATA = Dataset.from_cases("t", [make_case("hi", "HI"), make_case("yo", "YO")])


def test_provider_target_renders_the_prompt() -> None:
    """The user message is the prompt template filled with the case input."""
    target = ProviderTarget(CallableProvider(_upper), "m-2026-01-01", prompt="Say: {input}")
    assert Runner().run(DATA, target, {"exact": exact_match}).means() == {"exact": 1.0}


def test_guard_target_serves_through_the_guard() -> None:
    """A guard in front of the model answers the cases and records no errors."""
    guard = Guard([CallableProvider(_upper)])
    target = GuardTarget(guard, "m-2026-01-01", prompt="Say: {input}")
    outcome = Runner().run(DATA, target, {"exact": exact_match})
    assert (outcome.means()["exact"], outcome.errors) == (1.0, 0)


def test_prompt_change_is_a_new_configuration() -> None:
    """Changing the system prompt changes the configuration hash the cache uses."""
    provider = CallableProvider(_upper)
    a = ProviderTarget(provider, "m-2026-01-01", system="Be brief.")
    b = ProviderTarget(provider, "m-2026-01-01", system="Be thorough.")
    assert a.config != b.config


def _priced(request: ChatRequest) -> ChatResponse:
    return ChatResponse(
        id="r",
        model="acme-1-2026-01-01",
        choices=(Choice(0, "ok", "stop"),),
        usage=ProviderUsage(input_tokens=1_000, output_tokens=500),
    )


def test_provider_cost_comes_from_the_price_table() -> None:
    """A call's cost is its usage at the served model's price, read by the cost metric."""
    prices = PriceTable([Price("acme-1*", dt.date(2020, 1, 1), input=2.0, output=10.0)])
    target = ProviderTarget(CallableProvider(_priced), "acme-1-2026-01-01", prices=prices)
    outcome = Runner().run(DATA, target, {"cost": CostUsd()})
    assert outcome.means()["cost"] == pytest.approx((1_000 * 2.0 + 500 * 10.0) / 1e6)
