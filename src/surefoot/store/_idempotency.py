"""Idempotency keys: the first response to a key is stored and replayed, across every replica.

A claim is one atomic insert of the key's row (``ON CONFLICT DO NOTHING``), so of any number of
concurrent duplicates on any number of hosts exactly one wins and runs the request; the others
learn that it is in flight, or, once it is done, get its stored response. A holder that dies
leaves a ``pending`` row that another request may take over when its lock expires.
"""

from __future__ import annotations

import enum
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from surefoot.store._errors import map_store_errors
from surefoot.store._repository import Repository
from surefoot.store._schema_idempotency import idempotency_keys

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from sqlalchemy import Connection, Engine

__all__ = ["ClaimOutcome", "IdempotencyClaim", "IdempotencyKeys", "StoredResponse"]

_T = idempotency_keys


class ClaimOutcome(enum.StrEnum):
    """What a claim of an idempotency key found."""

    CLAIMED = "claimed"  # this request runs; complete() or release() the key afterwards
    REPLAY = "replay"  # a response is stored for the same body: send it again
    MISMATCH = "mismatch"  # the key was used with another body
    IN_FLIGHT = "in_flight"  # the first request with this key is still running


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A response kept for replay."""

    status_code: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """The outcome of :meth:`IdempotencyKeys.claim`; ``stored`` is set for a replay."""

    outcome: ClaimOutcome
    stored: StoredResponse | None = None


class IdempotencyKeys(Repository):
    """The idempotency-key repository.

    Args:
        engine: the store's engine (``Store.engine``), with the schema current.
        now_ns: wall-clock nanoseconds (tests inject a fake); expiry must agree across hosts.
    """

    def __init__(self, engine: Engine, *, now_ns: Callable[[], int] = time.time_ns) -> None:
        super().__init__(engine)
        self._now_ns = now_ns

    def claim(self, scope: str, key: str, body_sha256: str, *, lock_s: float) -> IdempotencyClaim:
        """Claim ``key`` for a request whose body hashes to ``body_sha256``.

        Args:
            scope: who sent it to which route; keys are unique within a scope.
            key: the client's ``Idempotency-Key``.
            body_sha256: the request body's SHA-256, hex.
            lock_s: how long the claim holds before a crashed holder's row may be taken over.
        """
        with map_store_errors("claiming an idempotency key", where=self._where):
            # A row deleted between the insert and the read is claimable again: try once more.
            for _ in range(3):
                now = self._now_ns()
                row = {
                    "scope": scope,
                    "key": key,
                    "body_sha256": body_sha256,
                    "state": "pending",
                    "created_ns": now,
                    "expires_ns": now + int(lock_s * 1e9),
                }
                with self.engine.begin() as conn:
                    if self._insert_new(conn, row) or _take_over_expired(conn, row, now):
                        return IdempotencyClaim(ClaimOutcome.CLAIMED)
                    found = conn.execute(
                        select(_T).where(_T.c.scope == scope, _T.c.key == key)
                    ).one_or_none()
                if found is not None:
                    return _judge(found, body_sha256)
        return IdempotencyClaim(ClaimOutcome.IN_FLIGHT)

    def complete(self, scope: str, key: str, response: StoredResponse, *, ttl_s: float) -> None:
        """Store the response of a claimed key, to be replayed for ``ttl_s`` seconds."""
        stmt = (
            update(_T)
            .where(_T.c.scope == scope, _T.c.key == key, _T.c.state == "pending")
            .values(
                state="done",
                status_code=response.status_code,
                headers=json.dumps(dict(response.headers)),
                body=response.body,
                expires_ns=self._now_ns() + int(ttl_s * 1e9),
            )
        )
        with (
            map_store_errors("storing an idempotent response", where=self._where),
            self.engine.begin() as conn,
        ):
            conn.execute(stmt)

    def release(self, scope: str, key: str) -> None:
        """Give up a claim without a response, so that a retry with the key runs again."""
        stmt = delete(_T).where(_T.c.scope == scope, _T.c.key == key, _T.c.state == "pending")
        with (
            map_store_errors("releasing an idempotency key", where=self._where),
            self.engine.begin() as conn,
        ):
            conn.execute(stmt)

    def purge_expired(self, *, limit: int | None = None) -> int:
        """Delete rows past their expiry; returns how many.

        Args:
            limit: delete at most this many rows, in one short transaction, so that a purge of a
                large backlog never holds locks long enough to stall claims; None: all at once.
        """
        expired = _T.c.expires_ns < self._now_ns()
        if limit is None:
            stmt = delete(_T).where(expired)
        else:
            # Oldest expiries first, by the expires_ns index; the row value matches the key.
            batch = select(_T.c.scope, _T.c.key).where(expired).order_by(_T.c.expires_ns)
            stmt = delete(_T).where(tuple_(_T.c.scope, _T.c.key).in_(batch.limit(limit)))
        with (
            map_store_errors("purging idempotency keys", where=self._where),
            self.engine.begin() as conn,
        ):
            return int(conn.execute(stmt).rowcount)

    def _insert_new(self, conn: Connection, row: Mapping[str, Any]) -> bool:
        # The one atomic step that makes a claim: the primary key admits a single row.
        if self._backend == "postgresql":
            stmt: Any = postgresql.insert(_T).values(row).on_conflict_do_nothing()
        else:
            stmt = sqlite.insert(_T).values(row).on_conflict_do_nothing()
        # RETURNING, not rowcount: drivers disagree on rowcount for a skipped conflict.
        return conn.execute(stmt.returning(_T.c.key)).first() is not None


def _take_over_expired(conn: Connection, row: Mapping[str, Any], now: int) -> bool:
    # An expired row is forgotten: replace it in place, conditionally, so one taker wins.
    stmt = (
        update(_T)
        .where(_T.c.scope == row["scope"], _T.c.key == row["key"], _T.c.expires_ns < now)
        .values(**row, status_code=None, headers=None, body=None)
    )
    return bool(conn.execute(stmt).rowcount == 1)


def _judge(found: Any, body_sha256: str) -> IdempotencyClaim:
    if found.body_sha256 != body_sha256:
        return IdempotencyClaim(ClaimOutcome.MISMATCH)
    if found.state != "done":
        return IdempotencyClaim(ClaimOutcome.IN_FLIGHT)
    stored = StoredResponse(
        status_code=found.status_code,
        headers=json.loads(found.headers or "{}"),
        body=bytes(found.body or b""),
    )
    return IdempotencyClaim(ClaimOutcome.REPLAY, stored)
