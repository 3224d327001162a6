"""The gateway's idempotency keys, on the store's one ``MetaData`` (migration ``0003``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, String, Table, Text

from surefoot.store._schema import metadata

__all__ = ["idempotency_keys"]

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # Who sent the key and to which route: keys of different callers never collide.
    Column("scope", String(200), primary_key=True),
    Column("key", String(255), primary_key=True),
    # SHA-256 of the request body, hex: the same key with another body is refused.
    Column("body_sha256", String(64), nullable=False),
    # pending while the first request runs, done once its response is stored.
    Column("state", String(16), nullable=False),
    Column("status_code", Integer, nullable=True),
    # The replayed response headers, as JSON text: portable, and never queried into.
    Column("headers", Text, nullable=True),
    Column("body", LargeBinary, nullable=True),
    Column("created_ns", BigInteger, nullable=False),
    # pending: when a crashed holder's claim may be taken over; done: when the row is forgotten.
    Column("expires_ns", BigInteger, nullable=False),
    Index(None, "expires_ns"),
)
