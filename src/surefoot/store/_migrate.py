"""Schema migrations with alembic, run in code against the package's own scripts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from surefoot.core.config import mask_url
from surefoot.core.errors import MigrationRequired
from surefoot.store._errors import map_store_errors

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

__all__ = ["VERSION_TABLE", "MigrationStatus", "ensure_current", "migration_status", "upgrade"]

# Our own name, so surefoot can share a PostgreSQL database with an app that runs alembic too.
VERSION_TABLE = "surefoot_schema_version"
SCRIPT_LOCATION = "surefoot.store:migrations"


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """Where a database's schema stands against this version of surefoot.

    Args:
        current: the revision the database is at; None for a database never migrated.
        head: the newest revision this code ships.
        is_current: whether ``current`` is ``head``.
    """

    current: str | None
    head: str
    is_current: bool


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise RuntimeError("surefoot ships no migrations")
    return head


def upgrade(engine: Engine) -> None:
    """Create the schema or bring it up to the newest revision; safe to run repeatedly.

    Args:
        engine: the store's engine.

    Raises:
        StoreUnavailable: the database cannot be reached.
    """
    with (
        map_store_errors("upgrading the schema", where=mask_url(str(engine.url))),
        engine.begin() as connection,
    ):
        command.upgrade(_config(connection), "head")


def migration_status(engine: Engine) -> MigrationStatus:
    """Compare the database's schema revision with the newest one shipped.

    Raises:
        StoreUnavailable: the database cannot be reached.
    """
    with (
        map_store_errors("reading the schema version", where=mask_url(str(engine.url))),
        engine.connect() as connection,
    ):
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        current = context.get_current_revision()
    head = head_revision()
    return MigrationStatus(current=current, head=head, is_current=current == head)


def ensure_current(engine: Engine) -> MigrationStatus:
    """Check that the schema is at the newest revision.

    Returns:
        The status, when current.

    Raises:
        MigrationRequired: the schema is missing or older (or newer) than this code expects.
        StoreUnavailable: the database cannot be reached.
    """
    status = migration_status(engine)
    if not status.is_current:
        found = status.current or "no schema"
        raise MigrationRequired(
            f"the store at {mask_url(str(engine.url))} is at revision {found}, "
            f"this version of surefoot needs {status.head}"
        )
    return status
