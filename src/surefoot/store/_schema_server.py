"""Tables of the API server, on the store's one ``MetaData`` (migration ``0002_api_keys``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, String, Table, Text

from surefoot.store._schema import metadata

__all__ = ["api_keys"]

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    # Space-separated scope names: a short, portable list needing no JSON functions.
    Column("scopes", Text, nullable=False),
    Column("created_ns", BigInteger, nullable=False),
    # NULL while the key is active.
    Column("revoked_ns", BigInteger, nullable=True),
    # SHA-256 of the secret, hex; the secret itself is never stored.
    Column("secret_sha256", String(64), nullable=False),
    Index(None, "revoked_ns"),
)
