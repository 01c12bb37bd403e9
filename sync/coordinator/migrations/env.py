"""Alembic environment: migrations run on the connection `db.migrate` hands over."""

from alembic import context

from sync.coordinator.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("run migrations through sync.coordinator.db.migrate (or the CLI)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
