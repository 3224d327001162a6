"""The review queue: items humans must look at, claimed exclusively, decided once.

Deciding needs an unexpired claim held by the deciding reviewer; anything else (someone else's
claim, a second decision, a lapsed claim, an unknown item) is refused with
:class:`~surefoot.core.InvalidInput` and changes nothing. Rejections and corrections become
candidate eval cases, and a correction is their expected output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from surefoot.core._clock import SYSTEM_CLOCK
from surefoot.core._ids import new_id
from surefoot.core._loop_records import (
    CaseOrigin,
    FeedbackKind,
    FeedbackSource,
    OnExpiry,
    ReviewItem,
    ReviewOrigin,
    ReviewStatus,
)
from surefoot.core.errors import InvalidInput
from surefoot.review._cases import CaseCollector
from surefoot.review._feedback import FeedbackLog
from surefoot.store import ReviewStore

if TYPE_CHECKING:
    from surefoot.core._clock import Clock
    from surefoot.store import Store

__all__ = ["ReviewQueue"]

# Failures that become candidate cases on arrival; samples only once a reviewer rejects them.
_ORIGIN_CASES = {ReviewOrigin.ESCALATION, ReviewOrigin.VALIDATION}


class ReviewQueue:
    """Human review with claims, deadlines and decisions, in the shared store.

    Args:
        store: the store every reviewer and producer shares.
        clock: the time source (inject :class:`~surefoot.core.FakeClock` in tests).
        claim_s: how long a claim lasts before another reviewer may take the item.
        cases: where failures become candidate cases; default one on ``store``.
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock = SYSTEM_CLOCK,
        claim_s: float = 900.0,
        cases: CaseCollector | None = None,
    ) -> None:
        self.repo = ReviewStore(store.engine)
        self.clock = clock
        self.claim_ns = int(claim_s * 1e9)
        self.cases = cases or CaseCollector(store, clock=clock)
        self.feedback = FeedbackLog(store, clock=clock)

    def submit(
        self,
        origin: ReviewOrigin,
        reason: str,
        payload: Any,
        *,
        trace_id: str | None = None,
        subject: str | None = None,
        priority: int = 0,
        deadline_s: float | None = None,
        on_expiry: OnExpiry = OnExpiry.KEEP,
    ) -> ReviewItem:
        """Queue an item; escalations and failed validations also become candidate cases.

        Args:
            origin: why it is here.
            reason: what the reviewer should judge, in a sentence.
            payload: the full context (input, output, reasons), as JSON.
            trace_id: the trace with the whole story.
            subject: what else it is about (e.g. an action's idempotency key).
            priority: higher is claimed first.
            deadline_s: the SLA, in seconds from now.
            on_expiry: what :meth:`expire` does once the deadline passes undecided.
        """
        if not reason.strip():
            raise InvalidInput("a review item needs a reason", hint="say what to judge")
        now = self.clock.now_ns()
        item = ReviewItem(
            item_id=new_id(),
            origin=ReviewOrigin(origin),
            reason=reason,
            payload=payload,
            trace_id=trace_id,
            subject=subject,
            priority=priority,
            created_ns=now,
            deadline_ns=None if deadline_s is None else now + int(deadline_s * 1e9),
            on_expiry=OnExpiry(on_expiry),
        )
        self.repo.add(item)
        if item.origin in _ORIGIN_CASES:
            self._to_case(item, None)
        return item

    def get(self, item_id: str) -> ReviewItem | None:
        """The item with this id, or None."""
        return self.repo.get(item_id)

    def items(self, status: ReviewStatus | None = None, limit: int = 100) -> list[ReviewItem]:
        """Items in claim order: highest priority, then oldest."""
        return self.repo.list_items(status, limit)

    def claim(self, reviewer: str) -> ReviewItem | None:
        """Claim the next item for ``reviewer``; None when the queue is empty.

        Concurrent reviewers never get the same item.
        """
        return self.repo.claim_next(reviewer, self.clock.now_ns(), self.claim_ns)

    def approve(self, item_id: str, reviewer: str, *, note: str | None = None) -> ReviewItem:
        """Approve a claimed item (e.g. let an action run)."""
        return self._decide(item_id, reviewer, ReviewStatus.APPROVED, note=note)

    def reject(self, item_id: str, reviewer: str, *, note: str | None = None) -> ReviewItem:
        """Reject a claimed item; its content becomes a candidate eval case."""
        return self._decide(item_id, reviewer, ReviewStatus.REJECTED, note=note)

    def correct(
        self, item_id: str, reviewer: str, correction: Any, *, note: str | None = None
    ) -> ReviewItem:
        """Decide a claimed item with the right answer; a case with it as expected output."""
        if correction is None:
            raise InvalidInput("a correction needs a value", hint="pass the corrected output")
        return self._decide(
            item_id, reviewer, ReviewStatus.CORRECTED, note=note, correction=correction
        )

    def expire(self) -> list[ReviewItem]:
        """Apply each overdue item's on-expiry policy; returns the items it settled."""
        return self.repo.settle_expired(self.clock.now_ns())

    def _decide(
        self,
        item_id: str,
        reviewer: str,
        status: ReviewStatus,
        *,
        note: str | None,
        correction: Any = None,
    ) -> ReviewItem:
        now = self.clock.now_ns()
        values = {"status": str(status), "note": note, "correction": correction}
        if not self.repo.decide(item_id, reviewer, now, values):
            raise self._refusal(item_id, reviewer, now)
        item = self.repo.get(item_id)
        assert item is not None  # just decided
        if item.trace_id is not None:
            kind = FeedbackKind.CORRECTION if correction is not None else FeedbackKind.LABEL
            value = correction if correction is not None else str(status)
            self.feedback.record_unchecked(
                item.trace_id, FeedbackSource.REVIEWER, kind, value, author=reviewer
            )
        if status is not ReviewStatus.APPROVED and item.origin is not ReviewOrigin.APPROVAL:
            self._to_case(item, correction)
        return item

    def _to_case(self, item: ReviewItem, expected: Any) -> None:
        payload = item.payload if isinstance(item.payload, dict) else {"input": item.payload}
        value = payload.get("input", payload)
        origin = CaseOrigin.REVIEW if expected is not None else CaseOrigin.PRODUCTION_FAILURE
        self.cases.add(
            value,
            expected,
            origin=origin,
            tags=(str(item.origin),),
            trace_id=item.trace_id,
            source_item=item.item_id,
        )

    def _refusal(self, item_id: str, reviewer: str, now: int) -> InvalidInput:
        item = self.repo.get(item_id)
        if item is None:
            return InvalidInput(f"no review item {item_id!r}", hint="list items with review list")
        if item.status not in (ReviewStatus.OPEN, ReviewStatus.CLAIMED):
            return InvalidInput(
                f"item {item_id} was already decided ({item.status} by {item.decided_by})",
                hint="decisions are final; claim the next item instead",
            )
        if item.status is ReviewStatus.OPEN:
            return InvalidInput(f"item {item_id} is not claimed", hint="claim it first")
        if item.claimed_by != reviewer:
            return InvalidInput(
                f"item {item_id} is claimed by {item.claimed_by}, not {reviewer}",
                hint="claim the next item instead",
            )
        return InvalidInput(
            f"your claim on item {item_id} expired", hint="claim it again, then decide"
        )
