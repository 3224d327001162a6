"""Records of the human loop: actions, their audit trail, review items, feedback and cases.

``actions``, ``review`` and ``evals`` never import each other; they meet in the store through
these records. An action that needs approval writes a :class:`ReviewItem`; the review queue
decides it; a rejected or corrected item becomes a candidate :class:`Case` that evals read.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from surefoot.core._records import JSONValue

__all__ = [
    "ActionRecord",
    "ActionStatus",
    "AuditEntry",
    "Case",
    "CaseOrigin",
    "CaseStatus",
    "Feedback",
    "FeedbackKind",
    "FeedbackSource",
    "OnExpiry",
    "ReviewItem",
    "ReviewOrigin",
    "ReviewStatus",
]


class ActionStatus(enum.StrEnum):
    """Where an action stands; every status but ``in_flight`` and ``pending_approval`` is final
    for its idempotency key, except ``failed``, which a new submission may retry."""

    PENDING_APPROVAL = "pending_approval"
    IN_FLIGHT = "in_flight"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUSED = "refused"
    REJECTED = "rejected"
    COMPENSATED = "compensated"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """One consequential action, keyed by its idempotency key.

    Args:
        key: the idempotency key.
        name: the registered action's name.
        fingerprint: SHA-256 of the canonical JSON of the parameters.
        status: where the action stands.
        params: the parameters, as JSON.
        result: the side effect's result once it succeeded.
        error: why it failed, was refused or rejected.
        owner: the worker holding the claim while ``in_flight``.
        lease_expires_ns: when the claim lapses and :meth:`recover` may take over.
        review_id: the review item asking for approval, when one was needed.
        attempts: how many times the side effect was started.
        created_ns: when the key was first seen.
        updated_ns: when the row last changed.
    """

    key: str
    name: str
    fingerprint: str
    status: ActionStatus
    params: JSONValue
    result: JSONValue = None
    error: str | None = None
    owner: str | None = None
    lease_expires_ns: int | None = None
    review_id: str | None = None
    attempts: int = 0
    created_ns: int = 0
    updated_ns: int = 0


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the append-only audit log; ``hash`` covers the row and ``prev_hash``."""

    seq: int
    key: str
    event: str
    actor: str
    reason: str
    detail: JSONValue
    at_ns: int
    prev_hash: str
    hash: str


class ReviewOrigin(enum.StrEnum):
    """Why an item reached the review queue."""

    ESCALATION = "escalation"
    SAMPLE = "sample"
    VALIDATION = "validation"
    APPROVAL = "approval"
    RECOVERY = "recovery"


class ReviewStatus(enum.StrEnum):
    """Where a review item stands."""

    OPEN = "open"
    CLAIMED = "claimed"
    APPROVED = "approved"
    REJECTED = "rejected"
    CORRECTED = "corrected"
    EXPIRED = "expired"


class OnExpiry(enum.StrEnum):
    """What happens to an undecided item at its deadline."""

    KEEP = "keep"
    EXPIRE = "expire"
    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """What a human must look at, why, by when; the decision and who made it."""

    item_id: str
    origin: ReviewOrigin
    reason: str
    payload: JSONValue
    trace_id: str | None = None
    subject: str | None = None
    priority: int = 0
    status: ReviewStatus = ReviewStatus.OPEN
    created_ns: int = 0
    deadline_ns: int | None = None
    on_expiry: OnExpiry = OnExpiry.KEEP
    claimed_by: str | None = None
    claim_expires_ns: int | None = None
    decided_by: str | None = None
    decided_ns: int | None = None
    correction: JSONValue = None
    note: str | None = None


class FeedbackSource(enum.StrEnum):
    """Who gave the feedback."""

    USER = "user"
    REVIEWER = "reviewer"
    GROUND_TRUTH = "ground_truth"
    JUDGE = "judge"


class FeedbackKind(enum.StrEnum):
    """What the feedback's value is."""

    SCORE = "score"
    LABEL = "label"
    CORRECTION = "correction"
    COMMENT = "comment"


@dataclass(frozen=True, slots=True)
class Feedback:
    """Feedback or a late label joined to a trace."""

    feedback_id: str
    trace_id: str
    source: FeedbackSource
    kind: FeedbackKind
    value: JSONValue
    at_ns: int
    author: str | None = None


class CaseOrigin(enum.StrEnum):
    """Where an eval case came from."""

    CURATED = "curated"
    PRODUCTION_FAILURE = "production_failure"
    REVIEW = "review"


class CaseStatus(enum.StrEnum):
    """Candidates wait for a human to promote them into an eval dataset."""

    CANDIDATE = "candidate"
    PROMOTED = "promoted"


@dataclass(frozen=True, slots=True)
class Case:
    """An eval case: an input, the expected output when known, and where it came from."""

    case_id: str
    input: JSONValue
    expected: JSONValue
    origin: CaseOrigin
    status: CaseStatus = CaseStatus.CANDIDATE
    tags: tuple[str, ...] = field(default=())
    trace_id: str | None = None
    source_item: str | None = None
    fingerprint: str = ""
    created_ns: int = 0
