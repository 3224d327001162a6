"""Cost budgets per request, per key and per day: reserve the worst case, settle the actual."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from surefoot.core._clock import SYSTEM_CLOCK, Clock
from surefoot.core.errors import BudgetExceeded
from surefoot.tracing import PriceTable

if TYPE_CHECKING:
    from surefoot.providers import Usage

__all__ = ["CostBudget", "PriceFn", "Reservation", "TablePrice", "worst_case_usd"]

PriceFn = Callable[[str], tuple[float, float]]
"""``price(model) -> (usd_per_input_token, usd_per_output_token)``."""

_NS_PER_DAY = 86_400 * 1_000_000_000


@dataclass(frozen=True, slots=True)
class Reservation:
    """Money held for one call until it is settled."""

    key: str | None
    usd: float
    day: int


class TablePrice:
    """A :data:`PriceFn` over tracing's price table (the built-in one by default).

    Raises:
        BudgetExceeded: for a model the table has no price for, so a budget never passes a
            call it cannot cost.
    """

    def __init__(self, table: PriceTable | None = None) -> None:
        self.table = table if table is not None else PriceTable.builtin()

    def __call__(self, model: str) -> tuple[float, float]:
        price = self.table.lookup(model)
        if price is None:
            raise BudgetExceeded(
                f"no price is known for model {model!r}, so its cost cannot be budgeted",
                hint="add the model to the price table (tracing.price_table) or pass price=",
            )
        return price.input / 1_000_000, price.output / 1_000_000


def worst_case_usd(price: PriceFn, model: str, input_tokens: int, max_tokens: int) -> float:
    """The most one call can cost: all input tokens plus ``max_tokens`` of output."""
    per_in, per_out = price(model)
    return input_tokens * per_in + max_tokens * per_out


def actual_usd(price: PriceFn, model: str, usage: Usage) -> float:
    """What a call cost, from its reported usage."""
    per_in, per_out = price(model)
    return usage.input_tokens * per_in + usage.output_tokens * per_out


class CostBudget:
    """Spending limits enforced before money is spent.

    Before each call the guard reserves its worst case (input tokens × input price +
    ``max_tokens`` × output price); the call goes ahead only if every limit still holds with the
    reservation counted. After the call the reservation is settled to the actual cost (zero for
    a call that failed before answering). Reservations made concurrently are all counted, so
    parallel calls can never jointly overspend. The day is the UTC day of the injected clock.
    Thread-safe.

    Args:
        per_request_usd: the most one call may cost.
        per_key_usd: the most one key (a user, tenant, API key) may spend per day.
        per_day_usd: the most everything together may spend per day.
        clock: the time source for the day window.

    Examples:
        >>> budget = CostBudget(per_day_usd=1.0)
        >>> first = budget.reserve(0.6, key="a")
        >>> budget.reserve(0.6, key="b")
        'cost_budget:per_day'
        >>> budget.settle(first, 0.1)
        >>> isinstance(budget.reserve(0.6, key="b"), Reservation)
        True
    """

    def __init__(
        self,
        *,
        per_request_usd: float | None = None,
        per_key_usd: float | None = None,
        per_day_usd: float | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.per_request_usd = per_request_usd
        self.per_key_usd = per_key_usd
        self.per_day_usd = per_day_usd
        self.clock = clock
        self._lock = threading.Lock()
        self._day = self._today()
        self._spent = 0.0
        self._held = 0.0
        self._key_spent: dict[str | None, float] = {}
        self._key_held: dict[str | None, float] = {}

    def reserve(self, usd: float, *, key: str | None = None) -> Reservation | str:
        """Hold ``usd`` for a call; a reason string instead when a limit would be exceeded."""
        with self._lock:
            self._roll()
            reason = self._check(usd, key)
            if reason:
                return reason
            self._held += usd
            self._key_held[key] = self._key_held.get(key, 0.0) + usd
            return Reservation(key, usd, self._day)

    def settle(self, reservation: Reservation, actual_usd: float) -> None:
        """Replace the held amount with what the call actually cost."""
        with self._lock:
            self._roll()
            if reservation.day != self._day:
                return  # yesterday's hold vanished at midnight with yesterday's totals
            key = reservation.key
            self._held -= reservation.usd
            self._key_held[key] = self._key_held.get(key, 0.0) - reservation.usd
            self._spent += actual_usd
            self._key_spent[key] = self._key_spent.get(key, 0.0) + actual_usd

    def spent_usd(self) -> float:
        """Settled spending today, all keys together."""
        with self._lock:
            self._roll()
            return self._spent

    def key_spent_usd(self, key: str | None) -> float:
        """Settled spending today by ``key``."""
        with self._lock:
            self._roll()
            return self._key_spent.get(key, 0.0)

    def held_usd(self) -> float:
        """Money reserved by calls in flight."""
        with self._lock:
            return self._held

    def _check(self, usd: float, key: str | None) -> str:
        if self.per_request_usd is not None and usd > self.per_request_usd:
            return "cost_budget:per_request"
        committed = self._key_spent.get(key, 0.0) + self._key_held.get(key, 0.0)
        if self.per_key_usd is not None and committed + usd > self.per_key_usd:
            return "cost_budget:per_key"
        if self.per_day_usd is not None and self._spent + self._held + usd > self.per_day_usd:
            return "cost_budget:per_day"
        return ""

    def _today(self) -> int:
        return self.clock.now_ns() // _NS_PER_DAY

    def _roll(self) -> None:
        today = self._today()
        if today != self._day:
            self._day = today
            self._spent = self._held = 0.0
            self._key_spent.clear()
            self._key_held.clear()
