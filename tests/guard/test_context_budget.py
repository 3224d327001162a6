"""Context budgets: token estimates, trimming oldest turns, truncation and refusal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.guard._helpers import scripted

from surefoot.core import BudgetExceeded, DecisionStatus, FakeClock
from surefoot.guard import ContextBudget, EstimateCounter, Guard, OversizePolicy, best_counter
from surefoot.guard._context import TRUNCATION_MARK
from surefoot.providers import ChatRequest


def _turns(n: int, size: int = 400) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": "be brief"}]
    for i in range(n):
        role = "user" if i % 2 == 0 else "assistant"
        messages.append({"role": role, "content": f"{i}:" + "w" * size})
    return messages


def test_estimate_over_counts_by_the_safety_factor() -> None:
    """The estimate is chars/4 times 1.1, rounded up."""
    assert EstimateCounter()("a" * 40) == 11
    assert EstimateCounter()("") == 0


def test_best_counter_falls_back_to_the_estimate_offline() -> None:
    """Without tiktoken or its cached files the estimate is used."""
    counter = best_counter()
    assert counter("a" * 40) > 0


def test_trimming_keeps_system_and_newest_and_drops_oldest_first() -> None:
    """The system prompt and the newest turn survive; the oldest turns go first."""
    budget = ContextBudget(400, counter=EstimateCounter())
    fitted = budget.fit(_turns(6))
    assert fitted.messages[0]["role"] == "system"
    assert fitted.messages[-1]["content"].startswith("5:")
    assert fitted.dropped >= 1
    kept = [m["content"].split(":")[0] for m in fitted.messages[1:]]
    assert kept == sorted(kept)  # only a prefix of the oldest was dropped
    assert fitted.input_tokens <= 400


def test_pinned_messages_are_never_dropped() -> None:
    """A message marked pinned survives trimming even when old."""
    budget = ContextBudget(
        300, counter=EstimateCounter(), pinned=lambda i, m: i <= 1 or m.get("role") == "system"
    )
    fitted = budget.fit(_turns(6, size=200))
    assert fitted.messages[1]["content"].startswith("0:")


def test_oversized_input_is_refused_with_sizes_and_fix() -> None:
    """One message too large for the budget is refused, naming sizes and what to do."""
    budget = ContextBudget(100, counter=EstimateCounter())
    with pytest.raises(BudgetExceeded, match="context budget is 100 tokens") as info:
        budget.fit([{"role": "user", "content": "z" * 4000}])
    assert "chunk" in str(info.value)


def test_oversized_input_is_truncated_with_a_marker() -> None:
    """With TRUNCATE the newest message is cut to fit and marked."""
    budget = ContextBudget(100, counter=EstimateCounter(), oversize=OversizePolicy.TRUNCATE)
    fitted = budget.fit(
        [{"role": "system", "content": "s"}, {"role": "user", "content": "z" * 4000}]
    )
    assert fitted.truncated
    assert fitted.messages[-1]["content"].endswith(TRUNCATION_MARK)
    assert fitted.input_tokens <= 100


@given(
    n=st.integers(min_value=1, max_value=20),
    size=st.integers(min_value=1, max_value=800),
    limit=st.integers(min_value=300, max_value=3000),
)
def test_fitted_input_never_exceeds_the_budget(n: int, size: int, limit: int) -> None:
    """Whatever the conversation, a truncating budget's result fits."""
    budget = ContextBudget(limit, counter=EstimateCounter(), oversize=OversizePolicy.TRUNCATE)
    fitted = budget.fit(_turns(n, size))
    assert budget.count(fitted.messages) <= limit


def test_chunk_splits_into_pieces_within_the_budget() -> None:
    """chunk() yields pieces that each fit the budget."""
    budget = ContextBudget(50, counter=EstimateCounter())
    pieces = budget.chunk("q" * 1000)
    assert "".join(pieces) == "q" * 1000
    assert all(EstimateCounter()(p) <= 50 for p in pieces)


def test_guard_refuses_oversized_input_before_calling() -> None:
    """The guard refuses too-large input with a reason and makes no call."""
    clock = FakeClock()
    provider, script = scripted(clock, "never")
    guard = Guard([provider], context=ContextBudget(50, counter=EstimateCounter()), clock=clock)
    req = ChatRequest(model="m-1", messages=[{"role": "user", "content": "y" * 5000}])
    result = guard.complete(req)
    assert result.decision.status is DecisionStatus.REFUSED
    assert "context_budget_exceeded" in result.decision.reasons
    assert script.requests == []
