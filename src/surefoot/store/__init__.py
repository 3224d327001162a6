"""The store: SQLite by default, PostgreSQL for teams; one schema, alembic migrations.

The store knows rows, not tracing objects: it persists the record types of
:mod:`surefoot.core` and serves read models of them.
"""

from surefoot.store._actions import ActionStore
from surefoot.store._engine import backend_of, create_engine
from surefoot.store._errors import map_store_errors
from surefoot.store._evals import EvalStore
from surefoot.store._idempotency import (
    ClaimOutcome,
    IdempotencyClaim,
    IdempotencyKeys,
    StoredResponse,
)
from surefoot.store._incidents import IncidentChange, IncidentContext, IncidentStore
from surefoot.store._keys import ApiKey, ApiKeys, ApiKeyScope, parse_api_key
from surefoot.store._migrate import MigrationStatus, ensure_current, migration_status, upgrade
from surefoot.store._monitor import MonitorStore
from surefoot.store._profiles import ProfileKey, ProfileStore
from surefoot.store._rate_limits import RateLimitCounters
from surefoot.store._review import ReviewStore
from surefoot.store._schema import metadata
from surefoot.store._store import Store
from surefoot.store._traces import TraceQuery, TraceSummary

__all__ = [
    "ActionStore",
    "ApiKey",
    "ApiKeyScope",
    "ApiKeys",
    "ClaimOutcome",
    "EvalStore",
    "IdempotencyClaim",
    "IdempotencyKeys",
    "IncidentChange",
    "IncidentContext",
    "IncidentStore",
    "MigrationStatus",
    "MonitorStore",
    "ProfileKey",
    "ProfileStore",
    "RateLimitCounters",
    "ReviewStore",
    "Store",
    "StoredResponse",
    "TraceQuery",
    "TraceSummary",
    "backend_of",
    "create_engine",
    "ensure_current",
    "map_store_errors",
    "metadata",
    "migration_status",
    "parse_api_key",
    "upgrade",
]
