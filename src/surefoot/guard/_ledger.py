"""The cost account of one guarded request: the reservation in flight, and its settlement.

Pure bookkeeping for the decision core (:mod:`surefoot.guard._decide`): no sleeping, no calls.
A request under a guard without a cost budget has no ledger at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from surefoot.core.errors import BudgetExceeded
from surefoot.guard._cost import Reservation, actual_usd, worst_case_usd

if TYPE_CHECKING:
    from collections.abc import Sequence

    from surefoot.guard._config import GuardConfig, Lane
    from surefoot.providers import ChatRequest, ChatResponse, Message

__all__ = ["Ledger", "Refusal"]

Refusal = tuple[BudgetExceeded, str]
"""Why the cost budget refused a call: the error and the decision's reason."""


class Ledger:
    """Cost reservations of one request. Not thread-safe, like its run."""

    __slots__ = ("_config", "_key", "_reservation")

    def __init__(self, config: GuardConfig, key: str | None) -> None:
        self._config = config
        self._key = key
        self._reservation: Reservation | None = None

    def reserve(self, lane: Lane, request: ChatRequest) -> Refusal | None:
        """Hold the worst-case cost of calling ``lane`` with ``request``; a refusal if over."""
        budget = self._config.cost
        if budget is None or lane.price is None:
            return None
        context = self._config.context
        counter = context.count if context is not None else _rough_count
        max_tokens = request.max_tokens or self._config.default_max_tokens
        model = lane.ref.model if lane.ref else request.model
        try:
            worst = worst_case_usd(lane.price, model, counter(request.messages), max_tokens)
        except BudgetExceeded as exc:
            return exc, "cost_budget:unknown_price"
        held = budget.reserve(worst, key=self._key)
        if isinstance(held, str):
            limit = held.split(":")[1]
            error = BudgetExceeded(f"a call to {lane.name!r} may cost ${worst:.6f}, over {limit}")
            return error, held
        self._reservation = held
        return None

    def settle(self, lane: Lane, response: ChatResponse | None) -> None:
        """Replace the reservation with the call's actual cost (zero without a response)."""
        held, self._reservation = self._reservation, None
        budget = self._config.cost
        if held is None or budget is None or lane.price is None:
            return
        cost = actual_usd(lane.price, response.model, response.usage) if response else 0.0
        budget.settle(held, cost)


def _rough_count(messages: Sequence[Message]) -> int:
    return len(str(messages)) // 3
