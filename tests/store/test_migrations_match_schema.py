"""The shipped migrations build exactly the schema the code declares."""

from __future__ import annotations

from importlib import resources

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from surefoot.store import create_engine, metadata, upgrade
from surefoot.store._migrate import VERSION_TABLE


def test_upgraded_database_has_no_diff_from_metadata(store_url: str) -> None:
    """Autogenerate finds nothing to change after upgrade, on SQLite and PostgreSQL."""
    engine = create_engine(store_url)
    upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        diffs = compare_metadata(context, metadata)
    engine.dispose()
    assert diffs == []


def test_the_package_ships_a_revision_template() -> None:
    """script.py.mako is inside the package, so new revisions can be generated from it."""
    assert resources.files("surefoot.store").joinpath("migrations/script.py.mako").is_file()
