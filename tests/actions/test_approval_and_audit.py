"""Approvals through the review queue's table, stale premises, compensation and the audit chain."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from surefoot.actions import AboveAmount, Actions, BelowConfidence, action
from surefoot.core import ActionStatus, FakeClock, InvalidInput, ReviewStatus
from surefoot.store import ReviewStore
from surefoot.store._schema_loop import action_audit

ledger: list[tuple[str, float]] = []
stock = {"sku-1": 1}


@action("test.refund", approval=AboveAmount("amount", 100))
def refund(order: str, amount: float) -> dict[str, Any]:
    ledger.append((order, amount))
    return {"refunded": amount}


def _in_stock(sku: str) -> bool | str:
    return True if stock.get(sku, 0) > 0 else f"{sku} is out of stock"


@action("test.ship", precondition=_in_stock)
def ship(sku: str) -> str:
    stock[sku] -= 1
    return f"shipped {sku}"


def _unrefund(order: str, amount: float, result: Any) -> None:
    ledger.append((order, -amount))


@action("test.pay", compensate=_unrefund)
def pay(order: str, amount: float) -> str:
    ledger.append((order, amount))
    return "paid"


@pytest.fixture(autouse=True, name="reset_world")
def _reset_world() -> None:
    ledger.clear()
    stock["sku-1"] = 1


def _decide(actions: Actions, item_id: str, status: ReviewStatus, clock: FakeClock) -> None:
    reviews = ReviewStore(actions.records.engine)
    claimed = reviews.claim_next("alice", clock.now_ns(), 60_000_000_000)
    assert claimed is not None and claimed.item_id == item_id
    assert reviews.decide(item_id, "alice", clock.now_ns(), {"status": str(status)})


def test_large_amount_waits_for_approval_then_runs_once(actions: Actions, clock: FakeClock) -> None:
    """An action above the amount limit creates a review item and runs only once approved."""
    pending = refund.submit(actions, "r1", order="o1", amount=500.0)
    assert pending.status is ActionStatus.PENDING_APPROVAL and ledger == []
    assert pending.review_id is not None
    _decide(actions, pending.review_id, ReviewStatus.APPROVED, clock)
    report = actions.recover()
    assert report.approved == ["r1"]
    assert refund.submit(actions, "r1", order="o1", amount=500.0).result == {"refunded": 500.0}
    assert ledger == [("o1", 500.0)]


def test_rejected_approval_never_runs(actions: Actions, clock: FakeClock) -> None:
    """A rejected approval request closes the action as rejected without running it."""
    pending = refund.submit(actions, "r2", order="o2", amount=500.0)
    assert pending.review_id is not None
    _decide(actions, pending.review_id, ReviewStatus.REJECTED, clock)
    outcome = refund.submit(actions, "r2", order="o2", amount=500.0)
    assert outcome.status is ActionStatus.REJECTED and ledger == []


def test_small_amount_runs_at_once(actions: Actions) -> None:
    """Below the limit the action needs no approval."""
    assert refund.submit(actions, "r3", order="o3", amount=5.0).succeeded


def test_confidence_policy_asks_when_unsure() -> None:
    """BelowConfidence asks for approval below its threshold or without a confidence."""
    policy = BelowConfidence(0.8) | AboveAmount("amount", 10)
    assert policy({"amount": 1}, 0.9) is None
    assert policy({"amount": 1}, 0.5) is not None
    assert policy({"amount": 1}, None) is not None
    assert policy({"amount": 50}, 0.99) is not None


def test_stale_premise_is_refused_and_recorded(actions: Actions) -> None:
    """When the precondition fails just before execution the action is refused, not run."""
    assert ship.submit(actions, "s1", sku="sku-1").succeeded
    refused = ship.submit(actions, "s2", sku="sku-1")
    assert refused.status is ActionStatus.REFUSED
    assert refused.error == "sku-1 is out of stock"
    assert [e.event for e in actions.audit("s2")] == ["claimed", "refused"]


def test_compensation_undoes_a_succeeded_action(actions: Actions) -> None:
    """compensate() runs the hook once and marks the action compensated."""
    pay.submit(actions, "p1", order="o9", amount=3.0)
    outcome = actions.compensate("p1", actor="ops", reason="customer cancelled")
    assert outcome.status is ActionStatus.COMPENSATED
    assert ledger == [("o9", 3.0), ("o9", -3.0)]
    with pytest.raises(InvalidInput, match="nothing to compensate"):
        actions.compensate("p1", actor="ops", reason="again")


def test_audit_chain_detects_a_tampered_row(actions: Actions) -> None:
    """Editing any audit row makes verify_audit name that row."""
    for i in range(3):
        pay.submit(actions, f"a{i}", order=f"o{i}", amount=1.0)
    assert actions.verify_audit() is None
    entries = actions.audit()
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    with actions.records.engine.begin() as conn:
        conn.execute(update(action_audit).where(action_audit.c.seq == 3).values(actor="mallory"))
    assert actions.verify_audit() == 3
