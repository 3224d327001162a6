"""The action repository: atomic idempotency claims, state transitions and the audit chain.

Every state change is one transaction that also appends its audit row, so the log and the state
cannot disagree. The audit log is hash-chained: each row's hash covers its content and the
previous row's hash, so editing or deleting a row breaks every later hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from typing import TYPE_CHECKING, Any, assert_never

from sqlalchemy import select, text, update

from surefoot.core._loop_records import ActionRecord, ActionStatus, AuditEntry, ReviewItem
from surefoot.store._engine import WRITE_OPTION, Backend
from surefoot.store._engine import insert_ignoring_duplicates as _insert_ignoring
from surefoot.store._errors import map_store_errors
from surefoot.store._repository import Repository
from surefoot.store._schema_loop import action_audit, actions

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from sqlalchemy import Connection, Engine

    from surefoot.core._records import JSONValue

__all__ = ["GENESIS_HASH", "ActionStore", "audit_hash", "writing"]

GENESIS_HASH = "0" * 64
# First key of the advisory lock serialising audit appends on PostgreSQL ("sfau").
_AUDIT_LOCK = text("SELECT pg_advisory_xact_lock(1936089461, 0)")


@contextlib.contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write; on SQLite it takes the write lock at BEGIN (IMMEDIATE)."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


def lock_audit(backend: Backend, conn: Connection) -> None:
    """Serialise audit appends until the transaction ends, so the chain never forks."""
    if backend == "sqlite":
        return  # BEGIN IMMEDIATE already holds SQLite's single write lock.
    if backend == "postgresql":
        conn.execute(_AUDIT_LOCK)
        return
    assert_never(backend)


def audit_hash(prev_hash: str, seq: int, fields: Mapping[str, Any]) -> str:
    """The hash of one audit row: SHA-256 over the previous hash and the row's canonical JSON."""
    body = json.dumps(
        [
            prev_hash,
            seq,
            fields["key"],
            fields["event"],
            fields["actor"],
            fields["reason"],
            fields["detail"],
            fields["at_ns"],
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def _row_to_action(row: Any) -> ActionRecord:
    return ActionRecord(
        key=row.key,
        name=row.name,
        fingerprint=row.fingerprint,
        status=ActionStatus(row.status),
        params=row.params,
        result=row.result,
        error=row.error,
        owner=row.owner,
        lease_expires_ns=row.lease_expires_ns,
        review_id=row.review_id,
        attempts=row.attempts,
        created_ns=row.created_ns,
        updated_ns=row.updated_ns,
    )


def _row_to_entry(row: Any) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        key=row.key,
        event=row.event,
        actor=row.actor,
        reason=row.reason,
        detail=row.detail,
        at_ns=row.at_ns,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class ActionStore(Repository):
    """Actions and their audit log in the store.

    Args:
        engine: the store's engine (``Store.engine``), with the schema current.
    """

    def claim(
        self, record: ActionRecord, *, actor: str, reason: str, review: ReviewItem | None = None
    ) -> tuple[bool, ActionRecord]:
        """Insert ``record`` unless its key exists; ``(True, record)`` when this call inserted it,
        else ``(False, the stored row)``. The review item, if any, is written in the same
        transaction."""
        from surefoot.store._review import insert_item

        row = {f: getattr(record, f) for f in ActionRecord.__slots__}
        # RETURNING says whether this insert won: rowcount is -1 with some drivers for upserts.
        stmt = _insert_ignoring(self._backend, actions).values(row).returning(actions.c.key)
        with map_store_errors("claiming an action", where=self._where), writing(self.engine) as c:
            if c.execute(stmt).first() is not None:
                if review is not None:
                    insert_item(c, review)
                detail = {"status": str(record.status)}
                self._append(c, record.key, "claimed", actor, reason, detail, record.updated_ns)
                return True, record
            found = c.execute(select(actions).where(actions.c.key == record.key)).one()
            return False, _row_to_action(found)

    def transition(
        self,
        key: str,
        *,
        from_status: Iterable[ActionStatus],
        event: str,
        actor: str,
        reason: str,
        owner: str | None = None,
        lease_before_ns: int | None = None,
        values: Mapping[str, Any],
    ) -> ActionRecord | None:
        """Move one action on, only if it is still in ``from_status`` (and held by ``owner``, and
        its lease lapsed before ``lease_before_ns``, when given); None when it was not."""
        conds = [actions.c.key == key, actions.c.status.in_([str(s) for s in from_status])]
        if owner is not None:
            conds.append(actions.c.owner == owner)
        if lease_before_ns is not None:
            conds.append(actions.c.lease_expires_ns < lease_before_ns)
        stmt = update(actions).where(*conds).values(**values)
        with map_store_errors("updating an action", where=self._where), writing(self.engine) as c:
            if c.execute(stmt).rowcount != 1:
                return None
            detail = {k: v for k, v in values.items() if k in ("status", "owner", "error")}
            self._append(c, key, event, actor, reason, detail, int(values["updated_ns"]))
            return _row_to_action(c.execute(select(actions).where(actions.c.key == key)).one())

    def renew(self, keys: Sequence[str], owner: str, lease_expires_ns: int) -> set[str]:
        """Extend the leases of in-flight actions held by ``owner``; the keys still held.

        Renewals are not audited: they change no state a human decides on, and a long side
        effect would otherwise flood the chain.
        """
        if not keys:
            return set()
        stmt = (
            update(actions)
            .where(
                actions.c.key.in_(list(keys)),
                actions.c.status == str(ActionStatus.IN_FLIGHT),
                actions.c.owner == owner,
            )
            .values(lease_expires_ns=lease_expires_ns)
            .returning(actions.c.key)
        )
        with map_store_errors("renewing leases", where=self._where), writing(self.engine) as c:
            return set(c.execute(stmt).scalars())

    def get(self, key: str) -> ActionRecord | None:
        """The action with this key, or None."""
        stmt = select(actions).where(actions.c.key == key)
        with map_store_errors("reading an action", where=self._where), self.engine.connect() as c:
            row = c.execute(stmt).one_or_none()
        return None if row is None else _row_to_action(row)

    def list_actions(
        self, status: ActionStatus | None = None, limit: int = 1_000
    ) -> list[ActionRecord]:
        """Actions, oldest first, optionally of one status."""
        stmt = select(actions).order_by(actions.c.created_ns, actions.c.key).limit(limit)
        if status is not None:
            stmt = stmt.where(actions.c.status == str(status))
        with map_store_errors("listing actions", where=self._where), self.engine.connect() as c:
            return [_row_to_action(r) for r in c.execute(stmt)]

    def stale(self, now_ns: int) -> list[ActionRecord]:
        """In-flight actions whose lease lapsed before ``now_ns``: their worker stopped."""
        stmt = select(actions).where(
            actions.c.status == str(ActionStatus.IN_FLIGHT), actions.c.lease_expires_ns < now_ns
        )
        with map_store_errors("listing actions", where=self._where), self.engine.connect() as c:
            return [_row_to_action(r) for r in c.execute(stmt)]

    def append_audit(
        self, key: str, event: str, actor: str, reason: str, detail: JSONValue, at_ns: int
    ) -> None:
        """Append one audit row on its own (for events that change no action row)."""
        with (
            map_store_errors("writing the audit log", where=self._where),
            writing(self.engine) as c,
        ):
            self._append(c, key, event, actor, reason, detail, at_ns)

    def _append(
        self,
        conn: Connection,
        key: str,
        event: str,
        actor: str,
        reason: str,
        detail: JSONValue,
        at_ns: int,
    ) -> None:
        lock_audit(self._backend, conn)
        last = conn.execute(
            select(action_audit.c.seq, action_audit.c.hash)
            .order_by(action_audit.c.seq.desc())
            .limit(1)
        ).first()
        seq, prev = (1, GENESIS_HASH) if last is None else (last.seq + 1, last.hash)
        fields = {
            "key": key,
            "event": event,
            "actor": actor,
            "reason": reason,
            "detail": detail,
            "at_ns": at_ns,
        }
        row = {**fields, "seq": seq, "prev_hash": prev, "hash": audit_hash(prev, seq, fields)}
        conn.execute(action_audit.insert().values(row))

    def audit(self, key: str | None = None) -> list[AuditEntry]:
        """Audit rows in order, of one action or of all."""
        stmt = select(action_audit).order_by(action_audit.c.seq)
        if key is not None:
            stmt = stmt.where(action_audit.c.key == key)
        with (
            map_store_errors("reading the audit log", where=self._where),
            self.engine.connect() as c,
        ):
            return [_row_to_entry(r) for r in c.execute(stmt)]

    def verify_audit(self) -> int | None:
        """The sequence number of the first row whose hash or link does not hold; None if intact."""
        prev, expected_seq = GENESIS_HASH, 1
        for entry in self.audit():
            fields = {
                "key": entry.key,
                "event": entry.event,
                "actor": entry.actor,
                "reason": entry.reason,
                "detail": entry.detail,
                "at_ns": entry.at_ns,
            }
            if (
                entry.seq != expected_seq
                or entry.prev_hash != prev
                or entry.hash != audit_hash(prev, entry.seq, fields)
            ):
                return entry.seq
            prev, expected_seq = entry.hash, entry.seq + 1
        return None
