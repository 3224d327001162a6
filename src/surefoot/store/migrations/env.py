"""Alembic environment: runs on the connection surefoot passes in, never from an ini file.

It configures no logging (no ``fileConfig``): the host application owns logging.
"""

from __future__ import annotations

from alembic import context

from surefoot.store._migrate import VERSION_TABLE
from surefoot.store._schema import metadata


def _run() -> None:
    config = getattr(context, "config", None)
    if config is None:
        # Imported outside a migration run (e.g. by doctest collection): nothing to do.
        return
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "surefoot migrations run through surefoot.store.upgrade(engine), not the alembic CLI"
        )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_run()
