"""Idempotency keys: one run per key, replayed outcomes, conflicts on changed parameters."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from surefoot.actions import Actions, action, fingerprint
from surefoot.core import ActionConflict, ActionRecord, ActionStatus, InvalidInput, SpanKind
from surefoot.store import Store
from surefoot.testing import capture_traces

calls: list[dict[str, Any]] = []


@action("test.charge")
def charge(customer: str, amount: float) -> dict[str, Any]:
    calls.append({"customer": customer, "amount": amount})
    return {"charged": amount, "n": len(calls)}


@action("test.explode")
def explode(should_fail: bool) -> str:
    calls.append({"explode": should_fail})
    if should_fail:
        raise RuntimeError("upstream said no")
    return "ok"


@pytest.fixture(autouse=True, name="reset_calls")
def _reset_calls() -> None:
    calls.clear()


def test_second_submission_replays_the_first_result(actions: Actions) -> None:
    """The same key and parameters run once and replay the stored result."""
    first = charge.submit(actions, "k1", customer="c1", amount=5.0)
    second = charge.submit(actions, "k1", amount=5.0, customer="c1")
    assert first.succeeded and not first.replayed
    assert second.replayed and second.result == first.result == {"charged": 5.0, "n": 1}
    assert len(calls) == 1


def test_same_key_with_other_parameters_conflicts(actions: Actions) -> None:
    """Reusing a key for a different request raises ActionConflict and runs nothing."""
    charge.submit(actions, "k2", customer="c1", amount=5.0)
    with pytest.raises(ActionConflict, match="other parameters"):
        charge.submit(actions, "k2", customer="c1", amount=6.0)
    assert len(calls) == 1


def test_unfingerprintable_parameters_are_refused_without_a_trace(actions: Actions) -> None:
    """Parameters that are not plain JSON raise InvalidInput and store nothing."""
    with pytest.raises(InvalidInput, match="cannot be fingerprinted"):
        charge.submit(actions, "k3", customer={"c1"}, amount=1.0)
    assert actions.get("k3") is None
    assert calls == []


def test_duplicate_in_flight_conflicts_after_the_wait(actions: Actions, store: Store) -> None:
    """A duplicate of an action still in flight elsewhere waits, then conflicts."""
    other = Actions(store, clock=actions.clock, owner="worker-b", wait_s=0.5)
    other.records.claim(
        _in_flight(other, "k4", {"customer": "c", "amount": 1.0}), actor="t", reason=""
    )
    with pytest.raises(ActionConflict, match="still in flight"):
        charge.submit(actions, "k4", customer="c", amount=1.0)
    assert calls == []


def test_conflict_mode_does_not_wait(actions: Actions, store: Store) -> None:
    """With on_duplicate="conflict" a duplicate of an in-flight action conflicts at once."""
    eager = Actions(store, clock=actions.clock, owner="worker-b", on_duplicate="conflict")
    actions.records.claim(
        _in_flight(actions, "k6", {"customer": "c", "amount": 1.0}), actor="t", reason=""
    )
    with pytest.raises(ActionConflict, match="still in flight"):
        charge.submit(eager, "k6", customer="c", amount=1.0)
    assert actions.clock.slept == []  # type: ignore[attr-defined]


def test_failed_run_is_retried_by_the_next_submission(actions: Actions) -> None:
    """A side effect that raised releases its key: the next submission runs it again."""
    with pytest.raises(RuntimeError):
        explode.submit(actions, "k5", should_fail=True)
    assert actions.get("k5").status is ActionStatus.FAILED  # type: ignore[union-attr]
    with pytest.raises(RuntimeError):
        explode.submit(actions, "k5", should_fail=True)
    assert actions.get("k5").attempts == 2  # type: ignore[union-attr]


def _in_flight(actions: Actions, key: str, params: dict[str, Any]) -> ActionRecord:
    now = actions.clock.now_ns()
    return ActionRecord(
        key=key,
        name="test.charge",
        fingerprint=fingerprint(params),
        status=ActionStatus.IN_FLIGHT,
        params=params,
        owner=actions.owner,
        lease_expires_ns=now + actions.lease_ns,
        attempts=1,
        created_ns=now,
        updated_ns=now,
    )


def test_each_execution_is_traced_once(actions: Actions) -> None:
    """An executed action leaves one action span with its key; a replay leaves none."""
    with capture_traces() as captured:
        charge.submit(actions, "k7", customer="c7", amount=2.0)
        charge.submit(actions, "k7", customer="c7", amount=2.0)
    [span] = captured.named("action test.charge")
    assert span.kind is SpanKind.ACTION
    assert span.attributes["surefoot.action.key"] == "k7"
    assert span.output == {"charged": 2.0, "n": 1}


gate = threading.Event()


@action("test.slow")
def slow(item: int) -> int:
    calls.append({"slow": item})
    gate.wait(10)
    return item * 2


def test_duplicate_waits_for_the_first_and_replays(store: Store) -> None:
    """A duplicate arriving mid-run waits for the first and gets its result."""
    gate.clear()
    first_actions = Actions(store, wait_s=10.0)
    second_actions = Actions(store, wait_s=10.0)
    results: list[Any] = []
    first = threading.Thread(
        target=lambda: results.append(slow.submit(first_actions, "w1", item=21))
    )
    first.start()
    while not calls:
        time.sleep(0.005)
    threading.Timer(0.2, gate.set).start()
    duplicate = slow.submit(second_actions, "w1", item=21)
    first.join()
    assert duplicate.replayed and duplicate.result == 42
    assert results[0].result == 42 and not results[0].replayed
    assert calls == [{"slow": 21}]


def test_a_plain_callable_is_an_approval_policy(actions: Actions) -> None:
    """Any callable returning a reason works as a policy."""
    weekend = action("test.weekend", approval=lambda params, confidence: "weekend freeze")(
        lambda item: item
    )
    outcome = weekend.submit(actions, "c1", item=1)
    assert outcome.status is ActionStatus.PENDING_APPROVAL
    [item] = actions.reviews.list_items()
    assert item.reason.endswith("weekend freeze") and item.subject == "c1"
