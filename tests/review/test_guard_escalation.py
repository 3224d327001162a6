"""The guard escalates a weak answer straight into the review queue."""

from __future__ import annotations

import math
from typing import Any

from surefoot.core import CaseOrigin, DecisionStatus, FakeClock, ReviewOrigin
from surefoot.guard import Guard, LowConfidence, RoutingPolicy, TokenProbability
from surefoot.providers import CallableProvider, ChatRequest, ChatResponse, Choice, TokenLogprob
from surefoot.review import ReviewQueue, ReviewQueueSink


def _unsure(request: ChatRequest) -> ChatResponse:
    tokens = (TokenLogprob("t", math.log(0.1), ()),)
    choice = Choice(index=0, content="maybe 5", finish_reason="stop", logprobs=tokens)
    return ChatResponse(id="r", model="m-1", choices=(choice,))


def _escalating(queue: ReviewQueue) -> Guard:
    """A guard that escalates its unsure upstream's answers into ``queue``."""
    return Guard(
        [CallableProvider(_unsure, name="up")],
        scorers=[TokenProbability()],
        routing=RoutingPolicy(low=LowConfidence.ESCALATE),
        escalation=ReviewQueueSink(queue),
        clock=FakeClock(),
    )


def test_low_confidence_answer_lands_in_the_queue(queue: ReviewQueue) -> None:
    """An escalated request becomes a review item with its context and a candidate case."""
    guard = _escalating(queue)
    request = ChatRequest(model="m-1", messages=[{"role": "user", "content": "what is 2+2"}])
    result = guard.complete(request)
    assert result.decision.status is DecisionStatus.ESCALATE
    [item] = queue.items()
    assert item.origin is ReviewOrigin.ESCALATION
    assert item.payload["output"] == "maybe 5"
    assert item.payload["input"] == [{"role": "user", "content": "what is 2+2"}]
    [case] = queue.cases.cases()
    assert case.origin is CaseOrigin.PRODUCTION_FAILURE


def test_tool_calls_are_kept_for_replay(queue: ReviewQueue) -> None:
    """An escalated tool-using conversation keeps its tool calls and ids, so evals can replay it."""
    guard = _escalating(queue)
    call: dict[str, Any] = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "sum", "arguments": "{}"},
    }
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "what is 2+2"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "4"},
    ]
    guard.complete(ChatRequest(model="m-1", messages=messages))
    [item] = queue.items()
    assert item.payload["input"] == messages
