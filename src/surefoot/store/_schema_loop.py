"""Tables of the human loop: actions, their audit log, review items, feedback and cases
(migration ``0004_actions_review``), on the store's one ``MetaData``."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from surefoot.store._schema import SHORT, TRACE_ID, JSONDocument, metadata

__all__ = ["action_audit", "actions", "cases", "feedback", "review_items"]

ITEM_ID = String(32)
HASH = String(64)

actions = Table(
    "actions",
    metadata,
    # The caller's idempotency key: the primary key is what makes the claim atomic.
    Column("key", String(255), primary_key=True),
    Column("name", Text, nullable=False),
    Column("fingerprint", HASH, nullable=False),
    Column("status", SHORT, nullable=False),
    Column("params", JSONDocument, nullable=True),
    Column("result", JSONDocument, nullable=True),
    Column("error", Text, nullable=True),
    Column("owner", Text, nullable=True),
    Column("lease_expires_ns", BigInteger, nullable=True),
    Column("review_id", ITEM_ID, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("created_ns", BigInteger, nullable=False),
    Column("updated_ns", BigInteger, nullable=False),
    # recover() looks for in-flight rows whose lease lapsed.
    Index(None, "status", "lease_expires_ns"),
)

action_audit = Table(
    "action_audit",
    metadata,
    # Assigned as last + 1 under a write lock, so the chain has no gaps or forks.
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("key", String(255), nullable=False),
    Column("event", SHORT, nullable=False),
    Column("actor", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("detail", JSONDocument, nullable=True),
    Column("at_ns", BigInteger, nullable=False),
    Column("prev_hash", HASH, nullable=False),
    Column("hash", HASH, nullable=False),
    Index(None, "key"),
)

review_items = Table(
    "review_items",
    metadata,
    Column("item_id", ITEM_ID, primary_key=True),
    Column("origin", SHORT, nullable=False),
    Column("reason", Text, nullable=False),
    Column("payload", JSONDocument, nullable=True),
    Column("trace_id", TRACE_ID, nullable=True),
    # What the item is about beyond a trace, e.g. an action's idempotency key.
    Column("subject", Text, nullable=True),
    Column("priority", Integer, nullable=False),
    Column("status", SHORT, nullable=False),
    Column("created_ns", BigInteger, nullable=False),
    Column("deadline_ns", BigInteger, nullable=True),
    Column("on_expiry", SHORT, nullable=False),
    Column("claimed_by", Text, nullable=True),
    Column("claim_expires_ns", BigInteger, nullable=True),
    Column("decided_by", Text, nullable=True),
    Column("decided_ns", BigInteger, nullable=True),
    Column("correction", JSONDocument, nullable=True),
    Column("note", Text, nullable=True),
    # The claim query: open items, highest priority first, oldest first.
    Index(None, "status", "priority", "created_ns"),
    Index(None, "trace_id"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("feedback_id", ITEM_ID, primary_key=True),
    Column("trace_id", TRACE_ID, nullable=False),
    Column("source", SHORT, nullable=False),
    Column("kind", SHORT, nullable=False),
    Column("value", JSONDocument, nullable=True),
    Column("at_ns", BigInteger, nullable=False),
    Column("author", Text, nullable=True),
    Index(None, "trace_id", "at_ns"),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", ITEM_ID, primary_key=True),
    # SHA-256 of the normalised input text: exact duplicates collide here.
    Column("fingerprint", HASH, nullable=False, unique=True),
    # The normalised input text, kept for near-duplicate (shingle Jaccard) checks.
    Column("text", Text, nullable=False),
    Column("input", JSONDocument, nullable=True),
    Column("expected", JSONDocument, nullable=True),
    Column("tags", JSONDocument, nullable=True),
    Column("origin", SHORT, nullable=False),
    Column("status", SHORT, nullable=False),
    Column("trace_id", TRACE_ID, nullable=True),
    Column("source_item", ITEM_ID, nullable=True),
    Column("created_ns", BigInteger, nullable=False),
    Index(None, "status", "created_ns"),
)
