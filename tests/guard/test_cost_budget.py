"""Cost budgets reserve the worst case, settle the actual, and refuse before spending."""

from __future__ import annotations

import datetime as dt
import threading

from hypothesis import given
from hypothesis import strategies as st
from tests.guard._helpers import request, response, scripted

from surefoot.core import BudgetExceeded, DecisionStatus, FakeClock
from surefoot.guard import (
    ContextBudget,
    CostBudget,
    EstimateCounter,
    Guard,
    Reservation,
    TablePrice,
    Upstream,
)
from surefoot.providers import Usage
from surefoot.tracing import Price, PriceTable


def _price(model: str) -> tuple[float, float]:
    return (0.001, 0.002)


def test_concurrent_reservations_never_overspend() -> None:
    """Threads reserving together are granted at most what the day allows."""
    budget = CostBudget(per_day_usd=10.0, clock=FakeClock())
    granted: list[Reservation] = []
    lock = threading.Lock()

    def spend() -> None:
        for _ in range(50):
            held = budget.reserve(0.3)
            if isinstance(held, Reservation):
                with lock:
                    granted.append(held)

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 33
    assert budget.held_usd() <= 10.0


@given(st.lists(st.tuples(st.floats(0, 2), st.floats(0, 1)), max_size=60))
def test_settled_spending_plus_holds_stays_within_the_day(calls: list[tuple[float, float]]) -> None:
    """Settling with actual <= worst keeps spent + held under the daily limit."""
    budget = CostBudget(per_day_usd=5.0, clock=FakeClock())
    for worst, share in calls:
        held = budget.reserve(worst)
        if isinstance(held, Reservation):
            budget.settle(held, worst * share)
        assert budget.spent_usd() + budget.held_usd() <= 5.0 + 1e-9


def test_per_key_limits_are_separate() -> None:
    """One key's spending does not use up another key's allowance."""
    budget = CostBudget(per_key_usd=1.0, clock=FakeClock())
    assert isinstance(budget.reserve(0.9, key="a"), Reservation)
    assert budget.reserve(0.2, key="a") == "cost_budget:per_key"
    assert isinstance(budget.reserve(0.9, key="b"), Reservation)


def test_the_day_rolls_over_on_the_injected_clock() -> None:
    """A new UTC day starts with a fresh daily allowance."""
    clock = FakeClock()
    budget = CostBudget(per_day_usd=1.0, clock=clock)
    held = budget.reserve(1.0)
    assert isinstance(held, Reservation)
    budget.settle(held, 1.0)
    assert budget.reserve(0.1) == "cost_budget:per_day"
    clock.advance(86_400)
    assert isinstance(budget.reserve(0.1), Reservation)


def test_guard_refuses_before_spending_and_settles_actual_usage() -> None:
    """The worst case is reserved first; an over-budget call is never made."""
    clock = FakeClock()
    used = response("ok", usage=Usage(input_tokens=10, output_tokens=5))
    provider, script = scripted(clock, used)
    budget = CostBudget(per_request_usd=1.0, clock=clock)
    guard = Guard(
        [Upstream(provider, price=_price)],
        cost=budget,
        context=ContextBudget(10_000, counter=EstimateCounter()),
        clock=clock,
    )
    ok = guard.complete(request(max_tokens=100))
    assert ok.decision.status is DecisionStatus.SERVE
    assert budget.spent_usd() == 10 * 0.001 + 5 * 0.002
    assert budget.held_usd() == 0.0
    refused = guard.complete(request(max_tokens=1000))
    assert refused.decision.status is DecisionStatus.REFUSED
    assert isinstance(refused.error, BudgetExceeded)
    assert len(script.requests) == 1


def test_table_price_reads_tracing_prices_and_refuses_unknown_models() -> None:
    """The built-in price table prices known models; an unknown one cannot be budgeted."""
    price = TablePrice(PriceTable([Price("m-*", dt.date(2024, 1, 1), input=1.0, output=2.0)]))
    assert price("m-1") == (1e-6, 2e-6)
    clock = FakeClock()
    provider, script = scripted(clock, "never")
    guard = Guard(
        [Upstream(provider, model="unknown-1", price=price)],
        cost=CostBudget(per_day_usd=1.0, clock=clock),
        clock=clock,
    )
    result = guard.complete(request())
    assert "cost_budget:unknown_price" in result.decision.reasons
    assert script.requests == []
