"""Alembic migrations of the coordinator's tables (run by `db.migrate` at start-up)."""
