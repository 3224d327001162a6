"""The relational schema, in SQLAlchemy Core.

One ``MetaData`` with a naming convention, so every index and constraint has a predictable name
that migrations can refer to on both SQLite and PostgreSQL. Tables are added here as the parts
that need them arrive; the alembic migrations must reproduce this metadata exactly (a test checks
it with autogenerate).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Double,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

__all__ = ["NAMING_CONVENTION", "metadata", "spans", "traces"]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# none_as_null: a Python None is stored as SQL NULL, not the JSON literal 'null'; both read back
# as None, and NULL keeps "no error" cheap to test for. JSONB on PostgreSQL for indexable queries.
JSONDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

TRACE_ID = String(32)
SPAN_ID = String(16)
SHORT = String(32)

spans = Table(
    "spans",
    metadata,
    Column("trace_id", TRACE_ID, primary_key=True),
    Column("span_id", SPAN_ID, primary_key=True),
    Column("parent_id", SPAN_ID, nullable=True),
    Column("name", Text, nullable=False),
    Column("kind", SHORT, nullable=False),
    Column("start_ns", BigInteger, nullable=False),
    Column("end_ns", BigInteger, nullable=False),
    Column("duration_ns", BigInteger, nullable=False),
    Column("status", SHORT, nullable=False),
    # Denormalised from attributes so that filters and cost roll-ups need no JSON functions,
    # which differ between SQLite and PostgreSQL.
    Column("model", Text, nullable=True),
    Column("input_tokens", BigInteger, nullable=True),
    Column("output_tokens", BigInteger, nullable=True),
    Column("cost_usd", Double, nullable=True),
    Column("attributes", JSONDocument, nullable=False),
    Column("input", JSONDocument, nullable=True),
    Column("output", JSONDocument, nullable=True),
    Column("error", JSONDocument, nullable=True),
    # Set instead of ``input`` when another span of the trace was written with the same input in
    # the same batch (a guard span and its model call): that span's id. Readers take the input
    # from there (``surefoot.store._spans``), so a prompt is stored once per trace, not twice.
    Column("input_ref", SPAN_ID, nullable=True),
    Index(None, "start_ns"),
    Index(None, "kind", "start_ns"),
    # No index on model: queries by model read the traces table, and every span write would
    # pay for one (about 5 % of a SQLite span write).
)

traces = Table(
    "traces",
    metadata,
    Column("trace_id", TRACE_ID, primary_key=True),
    # The root span's name; NULL until the root span has arrived.
    Column("name", Text, nullable=True),
    Column("service", Text, nullable=True),
    Column("start_ns", BigInteger, nullable=False),
    Column("end_ns", BigInteger, nullable=False),
    Column("status", SHORT, nullable=False),
    Column("span_count", Integer, nullable=False),
    Column("error_count", Integer, nullable=False),
    Column("model", Text, nullable=True),
    Column("input_tokens", BigInteger, nullable=False),
    Column("output_tokens", BigInteger, nullable=False),
    Column("cost_usd", Double, nullable=False),
    Column("decision_status", SHORT, nullable=True),
    Column("input_preview", Text, nullable=True),
    Column("output_preview", Text, nullable=True),
    # Lower-cased root name and previews: case-insensitive search with a portable LIKE.
    Column("search_text", Text, nullable=True),
    Index(None, "start_ns"),
    Index(None, "status", "start_ns"),
    Index(None, "model", "start_ns"),
    Index(None, "decision_status", "start_ns"),
)
