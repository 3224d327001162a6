"""Consequential actions: idempotent per key, approved when policy says so, audited, undoable.

Declare a side effect with :func:`action`, run it through :class:`Actions`::

    @action(approval=AboveAmount("amount", 100))
    def refund(order_id: str, amount: float) -> dict: ...

    outcome = refund.submit(actions, key="refund-o42", order_id="o42", amount=20.0)
"""

from surefoot.actions._actions import Actions
from surefoot.actions._definition import ActionDefinition, ActionOutcome, action
from surefoot.actions._fingerprint import canonical_json, fingerprint
from surefoot.actions._policies import (
    AboveAmount,
    AlwaysApprove,
    AnyOf,
    ApprovalPolicy,
    ApprovalRule,
    BelowConfidence,
    NeverApprove,
)
from surefoot.actions._recover import RecoveryReport

__all__ = [
    "AboveAmount",
    "ActionDefinition",
    "ActionOutcome",
    "Actions",
    "AlwaysApprove",
    "AnyOf",
    "ApprovalPolicy",
    "ApprovalRule",
    "BelowConfidence",
    "NeverApprove",
    "RecoveryReport",
    "action",
    "canonical_json",
    "fingerprint",
]
