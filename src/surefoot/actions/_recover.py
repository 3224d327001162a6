"""Sweeps that close loops the request path leaves open: crashed claims, decided approvals,
and compensation of succeeded actions.

The guarantee after a crash: an in-flight action whose worker died is found once its lease
lapses. A ``resumable`` action is run again under the same idempotency key; it must record its
own completion under that key (a unique row, a ledger entry, the upstream API's idempotency key),
so the rerun completes the work without repeating it. Any other action is marked ``unknown`` and
sent to the review queue for a human to check: never silently lost, never run twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from surefoot.actions._definition import ActionDefinition, ActionOutcome, lookup
from surefoot.core._ids import new_id
from surefoot.core._loop_records import (
    ActionRecord,
    ActionStatus,
    ReviewItem,
    ReviewOrigin,
    ReviewStatus,
)
from surefoot.core.errors import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Callable

    from surefoot.actions._actions import Actions

__all__ = ["RecoveryReport", "compensate", "recover", "run_approved", "settle_approval"]

_SWEEPER = "recover"
_log = logging.getLogger("surefoot.actions")


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    """What one :meth:`Actions.recover` sweep did, by idempotency key.

    Args:
        resumed: stale resumable actions run again.
        reported: stale actions marked ``unknown`` and sent to the review queue.
        approved: approved actions that ran (they succeeded or were refused as stale).
        rejected: actions closed because their approval was rejected, corrected or expired.
        failed: actions whose side effect raised during the sweep (retryable by a resubmission).
        skipped: stale actions left alone because no definition of theirs is registered in
            this process (with ``unregistered="skip"``).
    """

    resumed: list[str] = field(default_factory=list)
    reported: list[str] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many actions the sweep touched."""
        return sum(
            len(keys)
            for keys in (self.resumed, self.reported, self.approved, self.rejected, self.failed)
        )


def settle_approval(actions: Actions, defn: ActionDefinition, row: ActionRecord) -> ActionOutcome:
    """Run an action whose approval came through, close a rejected one, else report pending."""
    item = actions.reviews.get(row.review_id) if row.review_id else None
    status = item.status if item is not None else ReviewStatus.REJECTED
    pending = ActionOutcome(row.key, row.status, None, True, None, row.review_id)
    if status in (ReviewStatus.OPEN, ReviewStatus.CLAIMED):
        return pending
    who = (item.decided_by if item else None) or "unknown"
    if status is ReviewStatus.APPROVED:
        taken = actions._take(row, ActionStatus.PENDING_APPROVAL, "approved", who)
        return pending if taken is None else actions._execute(defn, taken, who)
    why = {
        ReviewStatus.REJECTED: "a reviewer rejected it",
        ReviewStatus.CORRECTED: "a reviewer corrected it; submit the corrected action anew",
        ReviewStatus.EXPIRED: "the approval request expired",
    }.get(status, "the approval request is gone")
    done = actions.records.transition(
        row.key,
        from_status=[ActionStatus.PENDING_APPROVAL],
        event="rejected",
        actor=who,
        reason=why,
        values={
            "status": str(ActionStatus.REJECTED),
            "error": why,
            "updated_ns": actions.clock.now_ns(),
        },
    )
    return pending if done is None else ActionOutcome(row.key, done.status, None, False, why)


def _report(actions: Actions, row: ActionRecord, why: str) -> bool:
    now = actions.clock.now_ns()
    done = actions.records.transition(
        row.key,
        from_status=[ActionStatus.IN_FLIGHT],
        lease_before_ns=now,
        event="reported",
        actor=_SWEEPER,
        reason=why,
        values={"status": str(ActionStatus.UNKNOWN), "error": why, "updated_ns": now},
    )
    if done is not None:
        actions.reviews.add(
            ReviewItem(
                item_id=new_id(),
                origin=ReviewOrigin.RECOVERY,
                reason=f"check whether action {row.name!r} took effect: {why}",
                payload={
                    "action": row.name,
                    "key": row.key,
                    "params": row.params,
                    "owner": row.owner,
                    "attempts": row.attempts,
                },
                subject=row.key,
                priority=20,
                created_ns=now,
            )
        )
    return done is not None


def recover(
    actions: Actions, *, unregistered: Literal["report", "skip"] = "report"
) -> RecoveryReport:
    """One sweep; see the module docstring for the guarantee."""
    report = RecoveryReport()
    for row in actions.records.stale(actions.clock.now_ns()):
        defn = lookup(row.name)
        if defn is None and unregistered == "skip":
            report.skipped.append(row.key)
        elif defn is None or not defn.resumable:
            why = "its worker stopped mid-run and it is not resumable"
            if defn is None:
                why = f"its worker stopped mid-run and no action {row.name!r} is registered here"
            if _report(actions, row, why):
                report.reported.append(row.key)
        else:
            now = actions.clock.now_ns()
            taken = actions._take(
                row, ActionStatus.IN_FLIGHT, "resumed", _SWEEPER, lease_before_ns=now
            )
            if taken is None:
                continue  # another sweep took it first
            if _guarded(report, row.key, actions._execute, defn, taken, _SWEEPER) is not None:
                report.resumed.append(row.key)
    run_approved(actions, report)
    return report


def run_approved(
    actions: Actions, report: RecoveryReport | None = None, *, limit: int = 1_000
) -> RecoveryReport:
    """Run every action whose approval came through, close the rejected ones."""
    report = report if report is not None else RecoveryReport()
    for row in actions.records.list_actions(ActionStatus.PENDING_APPROVAL, limit=limit):
        defn = lookup(row.name)
        if defn is None:
            continue  # another process that registers it will settle it
        outcome = _guarded(report, row.key, settle_approval, actions, defn, row)
        if outcome is None:
            continue
        if outcome.status is ActionStatus.REJECTED:
            report.rejected.append(row.key)
        elif outcome.status is not ActionStatus.PENDING_APPROVAL:
            report.approved.append(row.key)
    return report


def _guarded(
    report: RecoveryReport, key: str, work: Callable[..., ActionOutcome], *args: Any
) -> ActionOutcome | None:
    # One failing side effect must not stop the sweep: the action is stored as failed (a
    # resubmission retries it) and the sweep moves on to the next.
    try:
        return work(*args)
    except Exception:
        _log.warning("action %r failed during the recovery sweep", key, exc_info=True)
        report.failed.append(key)
        return None


def compensate(actions: Actions, key: str, *, actor: str, reason: str) -> ActionOutcome:
    """Undo one succeeded action; see :meth:`Actions.compensate`."""
    row = actions.records.get(key)
    defn = lookup(row.name) if row is not None else None
    if row is None or row.status is not ActionStatus.SUCCEEDED:
        state = "unknown" if row is None else str(row.status)
        raise InvalidInput(
            f"action {key!r} is {state}, so there is nothing to compensate",
            hint="only succeeded actions can be compensated; check the key with Actions.get",
        )
    if defn is None or defn.compensate is None:
        raise InvalidInput(
            f"action {row.name!r} has no compensation hook",
            hint="declare one with @action(compensate=...) or undo it by hand",
        )
    now = actions.clock.now_ns()
    done = actions.records.transition(
        key,
        from_status=[ActionStatus.SUCCEEDED],
        event="compensated",
        actor=actor,
        reason=reason,
        values={"status": str(ActionStatus.COMPENSATED), "updated_ns": now},
    )
    if done is None:
        raise InvalidInput(f"action {key!r} changed meanwhile", hint="check it with Actions.get")
    try:
        defn.compensate(**(row.params or {}), result=row.result)
    except Exception as exc:
        # The undo failed: put the action back so it can be compensated again.
        actions.records.transition(
            key,
            from_status=[ActionStatus.COMPENSATED],
            event="compensation_failed",
            actor=actor,
            reason=repr(exc),
            values={"status": str(ActionStatus.SUCCEEDED), "updated_ns": actions.clock.now_ns()},
        )
        raise
    return ActionOutcome(key, done.status, row.result, False, None, row.review_id)
