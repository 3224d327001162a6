"""API keys: created once, stored hashed, looked up by id, revoked, never stored in plaintext.

A key reads ``sf_<id>_<secret>``: the id (16 hex digits) finds the row, the secret (32 random
bytes, URL-safe base64) proves possession. Only the secret's SHA-256 is stored and it is compared
in constant time. A slow password hash (argon2, bcrypt) protects low-entropy, human-chosen
passwords against offline guessing; a 256-bit random secret cannot be guessed offline at any
hash speed, so the slow hash would only add milliseconds to every request.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from surefoot.core._ids import new_span_id
from surefoot.store._errors import map_store_errors
from surefoot.store._repository import Repository
from surefoot.store._schema_server import api_keys

if TYPE_CHECKING:
    from collections.abc import Iterable


__all__ = ["ApiKey", "ApiKeyScope", "ApiKeys", "hash_secret", "parse_api_key"]

PREFIX = "sf_"
_ID_CHARS = 16


class ApiKeyScope(enum.StrEnum):
    """What an API key may do; ``admin`` implies every other scope."""

    GATEWAY = "gateway"
    INGEST = "ingest"
    READ = "read"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One API key as stored: never the secret, only its hash."""

    key_id: str
    name: str
    scopes: frozenset[ApiKeyScope]
    created_ns: int
    revoked_ns: int | None
    secret_sha256: str

    @property
    def active(self) -> bool:
        """Whether the key has not been revoked."""
        return self.revoked_ns is None

    def allows(self, scope: ApiKeyScope) -> bool:
        """Whether the key grants ``scope`` (``admin`` grants all)."""
        return scope in self.scopes or ApiKeyScope.ADMIN in self.scopes

    def verifies(self, secret: str) -> bool:
        """Whether ``secret`` is this key's, compared in constant time."""
        return hmac.compare_digest(hash_secret(secret), self.secret_sha256)


def hash_secret(secret: str) -> str:
    """The stored form of a key's secret: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def parse_api_key(token: str) -> tuple[str, str] | None:
    """``(key_id, secret)`` of a presented key, or None when it is not in surefoot's format."""
    if not token.startswith(PREFIX):
        return None
    key_id, sep, secret = token[len(PREFIX) :].partition("_")
    if len(key_id) != _ID_CHARS or not sep or not secret:
        return None
    return key_id, secret


def _row_to_key(row: Any) -> ApiKey:
    return ApiKey(
        key_id=row.key_id,
        name=row.name,
        scopes=frozenset(ApiKeyScope(s) for s in row.scopes.split()),
        created_ns=row.created_ns,
        revoked_ns=row.revoked_ns,
        secret_sha256=row.secret_sha256,
    )


class ApiKeys(Repository):
    """The API key repository.

    Args:
        engine: the store's engine (``Store.engine``), with the schema current.
    """

    def create(self, name: str, scopes: Iterable[ApiKeyScope]) -> tuple[ApiKey, str]:
        """Create a key; returns it and the full key text, which is shown once and not kept."""
        scope_set = frozenset(ApiKeyScope(s) for s in scopes)
        key_id, secret = new_span_id(), secrets.token_urlsafe(32)
        key = ApiKey(
            key_id=key_id,
            name=name,
            scopes=scope_set,
            created_ns=time.time_ns(),
            revoked_ns=None,
            secret_sha256=hash_secret(secret),
        )
        row = {
            "key_id": key.key_id,
            "name": key.name,
            "scopes": " ".join(sorted(scope_set)),
            "created_ns": key.created_ns,
            "revoked_ns": None,
            "secret_sha256": key.secret_sha256,
        }
        with map_store_errors("creating an API key", where=self._where), self.engine.begin() as c:
            c.execute(insert(api_keys).values(row))
        return key, f"{PREFIX}{key_id}_{secret}"

    def get(self, key_id: str) -> ApiKey | None:
        """The key with this id, revoked or not; None when there is none."""
        stmt = select(api_keys).where(api_keys.c.key_id == key_id)
        with map_store_errors("reading an API key", where=self._where), self.engine.connect() as c:
            row = c.execute(stmt).one_or_none()
        return None if row is None else _row_to_key(row)

    def list(self) -> list[ApiKey]:
        """Every key, oldest first."""
        stmt = select(api_keys).order_by(api_keys.c.created_ns, api_keys.c.key_id)
        with map_store_errors("listing API keys", where=self._where), self.engine.connect() as c:
            return [_row_to_key(row) for row in c.execute(stmt)]

    def any_active(self) -> bool:
        """Whether at least one key is not revoked."""
        stmt = select(api_keys.c.key_id).where(api_keys.c.revoked_ns.is_(None)).limit(1)
        with map_store_errors("reading API keys", where=self._where), self.engine.connect() as c:
            return c.execute(stmt).first() is not None

    def revoke(self, key_id: str) -> bool:
        """Revoke a key; False when there is no active key with this id."""
        stmt = (
            update(api_keys)
            .where(api_keys.c.key_id == key_id, api_keys.c.revoked_ns.is_(None))
            .values(revoked_ns=time.time_ns())
        )
        with map_store_errors("revoking an API key", where=self._where), self.engine.begin() as c:
            return c.execute(stmt).rowcount == 1
