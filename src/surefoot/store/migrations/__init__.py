"""Alembic migrations of the store schema, shipped in the package and run in code."""
