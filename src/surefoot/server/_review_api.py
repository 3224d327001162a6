"""The REST API of the human loop under ``/api/v1``: review queue, feedback and cases.

Reads need the ``read`` scope. Feedback is written by applications, like spans, so it needs
``ingest``. Review decisions and promotions change what evals gate on, so they need ``admin``.
Decisions follow the queue's rules: an unexpired claim held by the deciding reviewer, decided
once; anything else is a 409 naming what to do instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from surefoot.core import CaseStatus, InvalidInput, ReviewItem, ReviewStatus
from surefoot.review import CaseCollector, FeedbackLog, ReviewQueue
from surefoot.server._auth import Scope, require_scope
from surefoot.server._errors import ApiError, error_responses
from surefoot.server._review_models import (
    CaseList,
    CaseOut,
    ClaimIn,
    ClaimOut,
    CorrectionIn,
    DecisionIn,
    FeedbackIn,
    FeedbackList,
    FeedbackOut,
    ReviewItemList,
    ReviewItemOut,
)
from surefoot.server._state import ServerState, server_state

__all__ = ["router"]

_READ = [Depends(require_scope(Scope.READ))]
_DECIDE = [Depends(require_scope(Scope.ADMIN))]
router = APIRouter(prefix="/api/v1", responses=error_responses(400, 401, 403, 429, 503))

ItemId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="32 lower-case hex digits.")]
State = Annotated[ServerState, Depends(server_state)]


def _queue(state: ServerState) -> ReviewQueue:
    return ReviewQueue(state.require_store())


def _no_item(item_id: str) -> ApiError:
    return ApiError(404, f"no review item {item_id}; list items first", code="item_not_found")


@router.get("/review/items", tags=["review"], dependencies=_READ, summary="List review items")
def list_items(
    state: State,
    status: Annotated[ReviewStatus | None, Query(description="Only items in this state.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ReviewItemList:
    """Items in claim order, optionally of one status."""
    return ReviewItemList(items=[ReviewItemOut.of(i) for i in _queue(state).items(status, limit)])


@router.get(
    "/review/items/{item_id}",
    tags=["review"],
    dependencies=_READ,
    summary="One review item",
    responses=error_responses(404),
)
def get_item(item_id: ItemId, state: State) -> ReviewItemOut:
    """The item with its context and decision."""
    item = _queue(state).get(item_id)
    if item is None:
        raise _no_item(item_id)
    return ReviewItemOut.of(item)


@router.post("/review/claim", tags=["review"], dependencies=_DECIDE, summary="Claim the next item")
def claim(body: ClaimIn, state: State) -> ClaimOut:
    """Claim the most urgent open item for the reviewer; concurrent claims never collide."""
    item = _queue(state).claim(body.reviewer)
    return ClaimOut(item=None if item is None else ReviewItemOut.of(item))


def _decide(
    state: ServerState, item_id: str, decide: Callable[[ReviewQueue], ReviewItem]
) -> ReviewItemOut:
    queue = _queue(state)
    if queue.get(item_id) is None:
        raise _no_item(item_id)
    try:
        return ReviewItemOut.of(decide(queue))
    except InvalidInput as exc:
        # Someone else's claim, a lapsed claim or a second decision: the state wins, not us.
        raise ApiError(409, str(exc), code="review_conflict") from exc


_DECISION_ERRORS = error_responses(404, 409)


@router.post(
    "/review/items/{item_id}/approve",
    tags=["review"],
    dependencies=_DECIDE,
    summary="Approve a claimed item",
    responses=_DECISION_ERRORS,
)
def approve(item_id: ItemId, body: DecisionIn, state: State) -> ReviewItemOut:
    """Approve an item the reviewer claimed (e.g. let an action run)."""
    return _decide(state, item_id, lambda q: q.approve(item_id, body.reviewer, note=body.note))


@router.post(
    "/review/items/{item_id}/reject",
    tags=["review"],
    dependencies=_DECIDE,
    summary="Reject a claimed item",
    responses=_DECISION_ERRORS,
)
def reject(item_id: ItemId, body: DecisionIn, state: State) -> ReviewItemOut:
    """Reject an item the reviewer claimed; its content becomes a candidate case."""
    return _decide(state, item_id, lambda q: q.reject(item_id, body.reviewer, note=body.note))


@router.post(
    "/review/items/{item_id}/correct",
    tags=["review"],
    dependencies=_DECIDE,
    summary="Correct a claimed item",
    responses=_DECISION_ERRORS,
)
def correct(item_id: ItemId, body: CorrectionIn, state: State) -> ReviewItemOut:
    """Decide with the right output; a candidate case with it as expected output."""
    return _decide(
        state,
        item_id,
        lambda q: q.correct(item_id, body.reviewer, body.correction, note=body.note),
    )


@router.post(
    "/feedback",
    tags=["feedback"],
    dependencies=[Depends(require_scope(Scope.INGEST))],
    status_code=201,
    summary="Attach feedback to a trace",
    responses=error_responses(404),
)
def post_feedback(body: FeedbackIn, state: State) -> FeedbackOut:
    """Store user feedback or a late label for a trace already in the store."""
    store = state.require_store()
    if store.get_trace_summary(body.trace_id) is None:
        raise ApiError(
            404,
            f"no trace {body.trace_id} in the store; send the trace id surefoot returned for "
            "the request, and retry shortly if it was just served",
            code="trace_not_found",
        )
    log = FeedbackLog(store)
    entry = log.record(
        body.trace_id, body.value, source=body.source, kind=body.kind, author=body.author
    )
    return FeedbackOut.of(entry)


@router.get("/feedback", tags=["feedback"], dependencies=_READ, summary="A trace's feedback")
def list_feedback(
    state: State,
    trace_id: Annotated[str, Query(pattern=r"^[0-9a-f]{32}$", description="The trace.")],
) -> FeedbackList:
    """Feedback and labels of one trace, oldest first."""
    entries = FeedbackLog(state.require_store()).for_trace(trace_id)
    return FeedbackList(feedback=[FeedbackOut.of(e) for e in entries])


@router.get("/cases", tags=["cases"], dependencies=_READ, summary="List eval cases")
def list_cases(
    state: State,
    status: Annotated[CaseStatus | None, Query(description="Only cases in this state.")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1_000,
) -> CaseList:
    """Candidate and promoted cases from production failures, oldest first."""
    found = CaseCollector(state.require_store()).cases(status, limit=limit)
    return CaseList(cases=[CaseOut.of(c) for c in found])


@router.post(
    "/cases/{case_id}/promote",
    tags=["cases"],
    dependencies=_DECIDE,
    summary="Promote a candidate case",
    responses=error_responses(404),
)
def promote_case(case_id: ItemId, state: State) -> CaseOut:
    """Move a candidate into the curated set; ``surefoot eval import-promoted`` versions it in."""
    collector = CaseCollector(state.require_store())
    if collector.get(case_id) is None:
        raise ApiError(404, f"no case {case_id}; list cases first", code="case_not_found")
    return CaseOut.of(collector.promote(case_id))
