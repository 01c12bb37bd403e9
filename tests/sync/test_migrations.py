"""Alembic migrations build exactly the tables of schema.py, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from sync.coordinator import db
from sync.coordinator.schema import metadata


def test_migrated_database_matches_the_schema(db_url):
    engine = db.make_engine(db_url)
    try:
        db.migrate(engine)
        db.migrate(engine)  # idempotent
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == [], diff
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("counts")}
        assert "ix_counts_day_cover" in indexes and "ix_counts_day" not in indexes
    finally:
        engine.dispose()
