"""The review repository: queue items with claims and decisions, feedback, and eval cases.

Claims are exclusive: on PostgreSQL the next item is selected ``FOR UPDATE SKIP LOCKED``, so
concurrent reviewers pass over each other's rows; on SQLite the claim transaction begins
IMMEDIATE, which holds the single write lock from the select to the update.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, assert_never

from sqlalchemy import or_, select, update

from surefoot.core._loop_records import (
    Case,
    CaseOrigin,
    CaseStatus,
    Feedback,
    FeedbackKind,
    FeedbackSource,
    OnExpiry,
    ReviewItem,
    ReviewOrigin,
    ReviewStatus,
)
from surefoot.store._actions import writing
from surefoot.store._engine import Backend
from surefoot.store._engine import insert_ignoring_duplicates as _insert_ignoring
from surefoot.store._repository import Repository
from surefoot.store._schema_loop import cases, feedback, review_items

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy import Connection, Select

__all__ = ["ReviewStore", "insert_item"]


def insert_item(conn: Connection, item: ReviewItem) -> None:
    """Insert a review item on an open transaction (actions use it for approval requests)."""
    conn.execute(review_items.insert().values({f: getattr(item, f) for f in ReviewItem.__slots__}))


def _lock_next(backend: Backend, stmt: Select[Any]) -> Select[Any]:
    if backend == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    if backend == "sqlite":
        return stmt  # the IMMEDIATE transaction already excludes every other writer
    assert_never(backend)


def _row_to_item(row: Any) -> ReviewItem:
    values = dict(row._mapping)
    values["origin"] = ReviewOrigin(values["origin"])
    values["status"] = ReviewStatus(values["status"])
    values["on_expiry"] = OnExpiry(values["on_expiry"])
    return ReviewItem(**values)


def _row_to_case(row: Any) -> Case:
    values = dict(row._mapping)
    values.pop("text")
    values["origin"] = CaseOrigin(values["origin"])
    values["status"] = CaseStatus(values["status"])
    values["tags"] = tuple(values["tags"] or ())
    return Case(**values)


class ReviewStore(Repository):
    """Review items, feedback and cases in the store.

    Args:
        engine: the store's engine (``Store.engine``), with the schema current.
    """

    def add(self, item: ReviewItem) -> None:
        """Insert one review item."""
        with self._errors("adding a review item"), writing(self.engine) as c:
            insert_item(c, item)

    def get(self, item_id: str) -> ReviewItem | None:
        """The item with this id, or None."""
        stmt = select(review_items).where(review_items.c.item_id == item_id)
        with self._errors("reading a review item"), self.engine.connect() as c:
            row = c.execute(stmt).one_or_none()
        return None if row is None else _row_to_item(row)

    def list_items(self, status: ReviewStatus | None = None, limit: int = 100) -> list[ReviewItem]:
        """Items in claim order (priority first, then oldest), optionally of one status."""
        stmt = select(review_items).order_by(
            review_items.c.priority.desc(), review_items.c.created_ns, review_items.c.item_id
        )
        if status is not None:
            stmt = stmt.where(review_items.c.status == str(status))
        with self._errors("listing review items"), self.engine.connect() as c:
            return [_row_to_item(r) for r in c.execute(stmt.limit(limit))]

    def claim_next(self, reviewer: str, now_ns: int, claim_ns: int) -> ReviewItem | None:
        """Claim the most urgent open item (or one whose claim lapsed) for ``reviewer``."""
        claimable = or_(
            review_items.c.status == str(ReviewStatus.OPEN),
            (review_items.c.status == str(ReviewStatus.CLAIMED))
            & (review_items.c.claim_expires_ns < now_ns),
        )
        pick = (
            select(review_items.c.item_id)
            .where(claimable)
            .order_by(review_items.c.priority.desc(), review_items.c.created_ns)
            .limit(1)
        )
        with self._errors("claiming a review item"), writing(self.engine) as c:
            item_id = c.execute(_lock_next(self._backend, pick)).scalar()
            if item_id is None:
                return None
            c.execute(
                update(review_items)
                .where(review_items.c.item_id == item_id)
                .values(
                    status=str(ReviewStatus.CLAIMED),
                    claimed_by=reviewer,
                    claim_expires_ns=now_ns + claim_ns,
                )
            )
            row = c.execute(select(review_items).where(review_items.c.item_id == item_id)).one()
            return _row_to_item(row)

    def decide(self, item_id: str, reviewer: str, now_ns: int, values: Mapping[str, Any]) -> bool:
        """Record a decision, only if ``reviewer`` holds an unexpired claim on the item."""
        stmt = (
            update(review_items)
            .where(
                review_items.c.item_id == item_id,
                review_items.c.status == str(ReviewStatus.CLAIMED),
                review_items.c.claimed_by == reviewer,
                review_items.c.claim_expires_ns >= now_ns,
            )
            .values(decided_by=reviewer, decided_ns=now_ns, **values)
        )
        with self._errors("deciding a review item"), writing(self.engine) as c:
            return c.execute(stmt).rowcount == 1

    def settle_expired(self, now_ns: int) -> list[ReviewItem]:
        """Apply each undecided item's on-expiry policy once its deadline passed."""
        due = select(review_items).where(
            review_items.c.status.in_([str(ReviewStatus.OPEN), str(ReviewStatus.CLAIMED)]),
            review_items.c.deadline_ns < now_ns,
            review_items.c.on_expiry != str(OnExpiry.KEEP),
        )
        outcome = {
            OnExpiry.EXPIRE: ReviewStatus.EXPIRED,
            OnExpiry.APPROVE: ReviewStatus.APPROVED,
            OnExpiry.REJECT: ReviewStatus.REJECTED,
        }
        settled = []
        undecided = [str(ReviewStatus.OPEN), str(ReviewStatus.CLAIMED)]
        with self._errors("expiring review items"), writing(self.engine) as c:
            for row in c.execute(due).all():
                item = _row_to_item(row)
                # Conditional on the item still being undecided: a concurrent sweep or a
                # reviewer's decision wins, and the item is settled at most once.
                changed = c.execute(
                    update(review_items)
                    .where(
                        review_items.c.item_id == item.item_id,
                        review_items.c.status.in_(undecided),
                    )
                    .values(
                        status=str(outcome[item.on_expiry]),
                        decided_by="policy:on_expiry",
                        decided_ns=now_ns,
                    )
                ).rowcount
                if changed == 1:
                    settled.append(item)
        return settled

    def add_feedback(self, entry: Feedback) -> None:
        """Store one feedback entry."""
        row = {f: getattr(entry, f) for f in Feedback.__slots__}
        with self._errors("adding feedback"), writing(self.engine) as c:
            c.execute(feedback.insert().values(row))

    def feedback_for(self, trace_id: str) -> list[Feedback]:
        """A trace's feedback, oldest first."""
        stmt = select(feedback).where(feedback.c.trace_id == trace_id).order_by(feedback.c.at_ns)
        with self._errors("reading feedback"), self.engine.connect() as c:
            rows = c.execute(stmt).all()
        return [
            Feedback(
                **{**r._mapping, "source": FeedbackSource(r.source), "kind": FeedbackKind(r.kind)}
            )
            for r in rows
        ]

    def add_case(self, case: Case, text: str) -> bool:
        """Insert a case unless one with the same fingerprint exists; whether it was inserted."""
        row = {f: getattr(case, f) for f in Case.__slots__}
        row["tags"], row["text"] = list(case.tags), text
        stmt = _insert_ignoring(self._backend, cases).values(row).returning(cases.c.case_id)
        with self._errors("adding a case"), writing(self.engine) as c:
            return c.execute(stmt).first() is not None

    def get_case(self, case_id: str) -> Case | None:
        """The case with this id, or None."""
        stmt = select(cases).where(cases.c.case_id == case_id)
        with self._errors("reading a case"), self.engine.connect() as c:
            row = c.execute(stmt).one_or_none()
        return None if row is None else _row_to_case(row)

    def case_texts(self) -> list[tuple[str, str]]:
        """``(case_id, normalised text)`` of every case, for near-duplicate checks."""
        with self._errors("reading cases"), self.engine.connect() as c:
            return [(r.case_id, r.text) for r in c.execute(select(cases.c.case_id, cases.c.text))]

    def update_case(self, case_id: str, values: Mapping[str, Any]) -> bool:
        """Change one case; whether it exists."""
        stmt = update(cases).where(cases.c.case_id == case_id).values(**values)
        with self._errors("updating a case"), writing(self.engine) as c:
            return c.execute(stmt).rowcount == 1

    def fill_expected(self, case_id: str, expected: Any) -> bool:
        """Give a case an expected output, only if it has none yet."""
        stmt = (
            update(cases)
            .where(cases.c.case_id == case_id, cases.c.expected.is_(None))
            .values(expected=expected)
        )
        with self._errors("updating a case"), writing(self.engine) as c:
            return c.execute(stmt).rowcount == 1

    def list_cases(self, status: CaseStatus | None = None, limit: int = 1_000) -> list[Case]:
        """Cases, oldest first, optionally of one status."""
        stmt = select(cases).order_by(cases.c.created_ns, cases.c.case_id).limit(limit)
        if status is not None:
            stmt = stmt.where(cases.c.status == str(status))
        with self._errors("listing cases"), self.engine.connect() as c:
            return [_row_to_case(r) for r in c.execute(stmt)]
