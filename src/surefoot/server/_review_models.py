"""Request and response bodies of the review REST API (``_review_api``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, JsonValue

from surefoot.core import (
    Case,
    CaseStatus,
    Feedback,
    FeedbackKind,
    FeedbackSource,
    ReviewItem,
    ReviewStatus,
)
from surefoot.review import case_row

__all__ = [
    "CaseList",
    "CaseOut",
    "ClaimIn",
    "ClaimOut",
    "CorrectionIn",
    "DecisionIn",
    "FeedbackIn",
    "FeedbackList",
    "FeedbackOut",
    "ReviewItemList",
    "ReviewItemOut",
]

# NUL cannot be stored in PostgreSQL text, so it is refused up front rather than failing there.
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]
Note = Annotated[str | None, Field(max_length=2000, pattern=r"^[^\x00]*$")]


class ReviewItemOut(BaseModel):
    """A review item: what to judge, its full context, and the decision once made."""

    id: str
    origin: str
    status: ReviewStatus
    reason: str
    priority: int
    payload: JsonValue = Field(description="The context: input, output, reasons, model ...")
    trace_id: str | None
    subject: str | None
    created_ns: int
    deadline_ns: int | None
    claimed_by: str | None
    claim_expires_ns: int | None
    decided_by: str | None
    decided_ns: int | None
    correction: JsonValue = None
    note: str | None

    @classmethod
    def of(cls, item: ReviewItem) -> ReviewItemOut:
        """The API view of a stored item."""
        return cls(
            id=item.item_id,
            origin=str(item.origin),
            status=item.status,
            reason=item.reason,
            priority=item.priority,
            payload=item.payload,
            trace_id=item.trace_id,
            subject=item.subject,
            created_ns=item.created_ns,
            deadline_ns=item.deadline_ns,
            claimed_by=item.claimed_by,
            claim_expires_ns=item.claim_expires_ns,
            decided_by=item.decided_by,
            decided_ns=item.decided_ns,
            correction=item.correction,
            note=item.note,
        )


class ReviewItemList(BaseModel):
    """Items in claim order: highest priority first, then oldest."""

    items: list[ReviewItemOut]


class ClaimIn(BaseModel):
    """Who claims the next item."""

    reviewer: Name


class ClaimOut(BaseModel):
    """The claimed item, or null when the queue is empty."""

    item: ReviewItemOut | None


class DecisionIn(BaseModel):
    """Who decides, and why."""

    reviewer: Name
    note: Note = None


class CorrectionIn(DecisionIn):
    """A decision with the right output, which becomes the case's expected output."""

    # Not JsonValue: null is no correction, and the schema says so rather than a 400 later.
    correction: str | int | float | bool | list[JsonValue] | dict[str, JsonValue] = Field(
        description="The right output: any JSON value but null."
    )


class FeedbackIn(BaseModel):
    """Feedback or a late label for a stored trace."""

    trace_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    value: JsonValue = Field(description="A score, a label, a correction or a comment.")
    source: FeedbackSource = FeedbackSource.USER
    kind: FeedbackKind = FeedbackKind.SCORE
    author: Annotated[str | None, Field(max_length=200, pattern=r"^[^\x00]*$")] = None


class FeedbackOut(BaseModel):
    """One stored feedback entry."""

    id: str
    trace_id: str
    source: FeedbackSource
    kind: FeedbackKind
    value: JsonValue
    at_ns: int
    author: str | None

    @classmethod
    def of(cls, entry: Feedback) -> FeedbackOut:
        """The API view of a stored entry."""
        return cls(
            id=entry.feedback_id,
            trace_id=entry.trace_id,
            source=entry.source,
            kind=entry.kind,
            value=entry.value,
            at_ns=entry.at_ns,
            author=entry.author,
        )


class FeedbackList(BaseModel):
    """A trace's feedback, oldest first."""

    feedback: list[FeedbackOut]


class CaseOut(BaseModel):
    """A candidate or promoted eval case."""

    id: str
    input: JsonValue
    expected: JsonValue
    origin: str
    status: CaseStatus
    tags: list[str]
    trace_id: str | None
    source_item: str | None
    created_ns: int

    @classmethod
    def of(cls, case: Case) -> CaseOut:
        """The API view of a stored case."""
        return cls.model_validate(case_row(case))


class CaseList(BaseModel):
    """Cases, oldest first."""

    cases: list[CaseOut]
