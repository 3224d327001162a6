"""The gateway's shared rate-limit counters, on the store's one ``MetaData`` (migration
``0009_gateway_limits``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, String, Table

from surefoot.store._schema import metadata

__all__ = ["rate_limit_windows"]

rate_limit_windows = Table(
    "rate_limit_windows",
    metadata,
    # The API key's id (never its secret) and the window: floor(unix seconds / window length).
    Column("key_id", String(64), primary_key=True),
    Column("window_index", BigInteger, primary_key=True, autoincrement=False),
    # Requests every replica admitted for the key in the window, as far as they have reported.
    Column("hits", BigInteger, nullable=False),
    Index(None, "window_index"),
)
