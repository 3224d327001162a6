"""The Actions API: run each consequential side effect at most once per idempotency key.

Semantics follow Stripe's idempotency keys. The first submission of a key claims it atomically in
the store (an insert that fails on an existing key) and runs; its outcome is stored and replayed
to every later submission with the same parameters. The same key with different parameters is an
:class:`~surefoot.core.ActionConflict`. A duplicate that arrives while the first is in flight waits
(up to ``wait_s``) or conflicts at once. A failed run releases the key for a retry.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Any, Literal

from surefoot import tracing
from surefoot.actions._definition import ActionDefinition, ActionOutcome, lookup
from surefoot.actions._fingerprint import fingerprint, json_params, json_result
from surefoot.actions._heartbeat import LeaseKeeper
from surefoot.actions._recover import (
    RecoveryReport,
    compensate,
    recover,
    run_approved,
    settle_approval,
)
from surefoot.actions._worker import work
from surefoot.core._clock import SYSTEM_CLOCK
from surefoot.core._ids import new_id
from surefoot.core._loop_records import (
    ActionRecord,
    ActionStatus,
    AuditEntry,
    OnExpiry,
    ReviewItem,
    ReviewOrigin,
)
from surefoot.core._records import SpanKind
from surefoot.core.errors import ActionConflict, ConfigError, InvalidInput
from surefoot.store import ActionStore, ReviewStore

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Mapping

    from surefoot.core._clock import Clock
    from surefoot.store import Store

__all__ = ["Actions"]

_FINAL = frozenset(
    {
        ActionStatus.SUCCEEDED,
        ActionStatus.REFUSED,
        ActionStatus.REJECTED,
        ActionStatus.COMPENSATED,
        ActionStatus.UNKNOWN,
    }
)
_POLL_S = 0.02


def _outcome(row: ActionRecord, *, replayed: bool) -> ActionOutcome:
    return ActionOutcome(row.key, row.status, row.result, replayed, row.error, row.review_id)


class Actions:
    """Idempotent, approved, audited side effects over a store.

    Args:
        store: where claims, outcomes and the audit log live; shared by every worker.
        clock: the time source (inject :class:`~surefoot.core.FakeClock` in tests).
        lease_s: how long a claim holds without a renewal before :meth:`recover` may treat
            its worker as dead. A running side effect renews it every ``heartbeat_s``, so it
            need not outlast the slowest side effect, only a few missed renewals.
        heartbeat_s: seconds between lease renewals while a side effect runs; default a third
            of ``lease_s``, so two renewals may fail before the lease lapses.
        wait_s: how long a duplicate waits for an in-flight first submission.
        on_duplicate: ``"wait"`` (bounded by ``wait_s``) or ``"conflict"`` at once.
        owner: this worker's name in claims and the audit log; default host:pid:random.
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock = SYSTEM_CLOCK,
        lease_s: float = 60.0,
        heartbeat_s: float | None = None,
        wait_s: float = 5.0,
        on_duplicate: Literal["wait", "conflict"] = "wait",
        owner: str | None = None,
    ) -> None:
        self.records = ActionStore(store.engine)
        self.reviews = ReviewStore(store.engine)
        self.clock = clock
        if lease_s <= 0 or (heartbeat_s is not None and not 0 < heartbeat_s < lease_s):
            raise ConfigError(
                f"lease_s={lease_s}, heartbeat_s={heartbeat_s}",
                hint="use a positive lease and a heartbeat shorter than it (e.g. a third)",
            )
        self.lease_ns = int(lease_s * 1e9)
        self.heartbeat_s = heartbeat_s if heartbeat_s is not None else lease_s / 3
        self.wait_s = wait_s
        self.on_duplicate = on_duplicate
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{new_id()[:8]}"
        self.leases = LeaseKeeper(
            self.records, self.owner, lease_ns=self.lease_ns, every_s=self.heartbeat_s, clock=clock
        )

    def submit(
        self,
        definition: ActionDefinition | str,
        key: str,
        params: Mapping[str, Any],
        *,
        actor: str = "system",
        reason: str = "",
        confidence: float | None = None,
    ) -> ActionOutcome:
        """Run the action once for ``key``, or replay what the first submission came to.

        Args:
            definition: the action (or its registered name).
            key: the idempotency key, chosen by the caller (e.g. derived from the request).
            params: JSON parameters; they are passed to the function as keywords.
            actor: who asks (recorded in the audit log).
            reason: why (recorded in the audit log).
            confidence: the caller's confidence, for confidence-based approval policies.

        Raises:
            InvalidInput: the key is empty or too long, or the parameters are not plain JSON;
                nothing was stored.
            ActionConflict: the key was used with other parameters, or is still in flight after
                the wait, or its worker stopped mid-run (run :meth:`recover`).
        """
        defn = self._definition(definition)
        if not key or len(key) > 255:
            raise InvalidInput(
                f"idempotency key of length {len(key)}", hint="use 1 to 255 characters"
            )
        fp = fingerprint(params)
        stored = json_params(params)
        now = self.clock.now_ns()
        why = defn.approval(params, confidence) if defn.approval is not None else None
        review = None if why is None else self._approval_item(defn, key, stored, why, now)
        record = ActionRecord(
            key=key,
            name=defn.name,
            fingerprint=fp,
            status=ActionStatus.IN_FLIGHT if review is None else ActionStatus.PENDING_APPROVAL,
            params=stored,
            owner=self.owner if review is None else None,
            lease_expires_ns=now + self.lease_ns if review is None else None,
            review_id=None if review is None else review.item_id,
            attempts=1 if review is None else 0,
            created_ns=now,
            updated_ns=now,
        )
        inserted, row = self.records.claim(record, actor=actor, reason=reason, review=review)
        if inserted:
            return _outcome(row, replayed=False) if review else self._execute(defn, row, actor)
        if row.fingerprint != fp or row.name != defn.name:
            raise ActionConflict(
                f"idempotency key {key!r} was already used for {row.name!r} with other parameters",
                hint="use a new key for a different request, or resend the same parameters",
            )
        return self._duplicate(defn, row, actor)

    def _definition(self, definition: ActionDefinition | str) -> ActionDefinition:
        if isinstance(definition, ActionDefinition):
            return definition
        found = lookup(definition)
        if found is None:
            raise InvalidInput(
                f"no action named {definition!r} is registered in this process",
                hint="import the module that declares it with @surefoot.actions.action",
            )
        return found

    def _approval_item(
        self, defn: ActionDefinition, key: str, params: Any, why: str, now: int
    ) -> ReviewItem:
        return ReviewItem(
            item_id=new_id(),
            origin=ReviewOrigin.APPROVAL,
            reason=f"approve action {defn.name!r}: {why}",
            payload={"action": defn.name, "key": key, "params": params},
            subject=key,
            priority=10,
            created_ns=now,
            on_expiry=OnExpiry.KEEP,
        )

    def _duplicate(self, defn: ActionDefinition, row: ActionRecord, actor: str) -> ActionOutcome:
        deadline = self.clock.monotonic() + self.wait_s
        while True:
            if row.status in _FINAL:
                return _outcome(row, replayed=True)
            if row.status is ActionStatus.PENDING_APPROVAL:
                return self._settle_approval(defn, row)
            if row.status is ActionStatus.FAILED:
                taken = self._take(row, ActionStatus.FAILED, "retried", actor)
                if taken is not None:
                    return self._execute(defn, taken, actor)
            elif (row.lease_expires_ns or 0) < self.clock.now_ns():
                raise ActionConflict(
                    f"action {row.key!r} was in flight in a worker that stopped",
                    hint="run Actions.recover() to resume or report it",
                )
            elif self.on_duplicate == "conflict" or self.clock.monotonic() >= deadline:
                raise ActionConflict(
                    f"action {row.key!r} is still in flight in {row.owner}",
                    hint="retry later with the same key; it will replay the outcome",
                )
            else:
                self.clock.sleep(_POLL_S)
            fresh = self.records.get(row.key)
            if fresh is None:  # pragma: no cover - rows are never deleted
                raise ActionConflict(f"action {row.key!r} vanished", hint="report this bug")
            row = fresh

    def _take(
        self,
        row: ActionRecord,
        from_status: ActionStatus,
        event: str,
        actor: str,
        *,
        lease_before_ns: int | None = None,
    ) -> ActionRecord | None:
        now = self.clock.now_ns()
        return self.records.transition(
            row.key,
            from_status=[from_status],
            event=event,
            actor=actor,
            reason=f"claimed by {self.owner}",
            lease_before_ns=lease_before_ns,
            values={
                "status": str(ActionStatus.IN_FLIGHT),
                "owner": self.owner,
                "lease_expires_ns": now + self.lease_ns,
                "attempts": row.attempts + 1,
                "error": None,
                "updated_ns": now,
            },
        )

    def _finish(
        self, row: ActionRecord, status: ActionStatus, event: str, actor: str, **values: Any
    ) -> ActionOutcome:
        done = self.records.transition(
            row.key,
            from_status=[ActionStatus.IN_FLIGHT],
            owner=self.owner,
            event=event,
            actor=actor,
            reason=str(values.get("error") or event),
            values={"status": str(status), "updated_ns": self.clock.now_ns(), **values},
        )
        if done is None:
            # Our lease lapsed and recover() took the action over: report what the store says.
            current = self.records.get(row.key)
            return _outcome(current or row, replayed=True)
        return _outcome(done, replayed=False)

    def _execute(self, defn: ActionDefinition, row: ActionRecord, actor: str) -> ActionOutcome:
        params: Mapping[str, Any] = row.params or {}
        stale = defn.stale_reason(params)
        if stale is not None:
            return self._finish(row, ActionStatus.REFUSED, "refused", actor, error=stale)
        attributes = {
            "surefoot.action.name": defn.name,
            "surefoot.action.key": row.key,
            "surefoot.action.attempt": row.attempts,
            "surefoot.action.actor": actor,
        }
        # The span links the side effect to the request's trace; it is a no-op until init().
        with tracing.span(
            f"action {defn.name}", SpanKind.ACTION, attributes=attributes, input=params
        ) as sp:
            try:
                with self.leases.hold(row.key):
                    result = json_result(defn.run(row.key, params))
            except Exception as exc:
                self._finish(row, ActionStatus.FAILED, "failed", actor, error=repr(exc))
                raise
            sp.set_output(result)
        return self._finish(row, ActionStatus.SUCCEEDED, "succeeded", actor, result=result)

    def _settle_approval(self, defn: ActionDefinition, row: ActionRecord) -> ActionOutcome:
        return settle_approval(self, defn, row)

    def recover(self, *, unregistered: Literal["report", "skip"] = "report") -> RecoveryReport:
        """Sweep for actions left behind: stale claims and decided approvals.

        An in-flight action whose lease lapsed (its worker died) is run again if its definition
        is ``resumable`` (the side effect records its completion under the key, so the rerun
        does nothing twice), and otherwise marked ``unknown`` and reported to the review queue:
        never silently lost, never run twice. Approved actions run; rejected ones are closed.

        Args:
            unregistered: what to do with a stale action whose definition this process does
                not register: ``"report"`` it as unknown, or ``"skip"`` it for a process that
                does (what a worker that imports only some action modules wants).
        """
        return recover(self, unregistered=unregistered)

    def run_approved(self, *, limit: int = 1_000) -> RecoveryReport:
        """Run the actions whose approval came through and close the rejected ones, now.

        Call it right after a reviewer decides, or let :meth:`work` poll for decisions.
        """
        return run_approved(self, limit=limit)

    def work(
        self,
        *,
        every_s: float = 5.0,
        stop: threading.Event | None = None,
        rounds: int | None = None,
        on_round: Callable[[RecoveryReport], None] | None = None,
    ) -> int:
        """Sweep every ``every_s`` until ``stop`` is set (or after ``rounds`` sweeps).

        Each round runs approved actions, closes rejected ones and recovers stale claims of
        the actions registered in this process. An approved action so runs at most
        ``every_s`` after its approval, at most once per key, whichever worker gets it.

        Returns:
            How many actions the rounds touched.
        """
        return work(self, every_s=every_s, stop=stop, rounds=rounds, on_round=on_round)

    def compensate(self, key: str, *, actor: str, reason: str) -> ActionOutcome:
        """Undo a succeeded action with its ``compensate`` hook.

        Raises:
            InvalidInput: the action is unknown, did not succeed, or has no compensation hook.
        """
        return compensate(self, key, actor=actor, reason=reason)

    def get(self, key: str) -> ActionRecord | None:
        """The stored action for ``key``, or None."""
        return self.records.get(key)

    def audit(self, key: str | None = None) -> list[AuditEntry]:
        """The audit log, in order, of one action or of all."""
        return self.records.audit(key)

    def verify_audit(self) -> int | None:
        """The sequence number of the first tampered audit row, or None when the chain holds."""
        return self.records.verify_audit()
