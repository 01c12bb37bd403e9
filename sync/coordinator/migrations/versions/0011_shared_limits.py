"""Rate limits and login throttles kept in the database, so every worker sees them (issue 15).

On PostgreSQL the table is UNLOGGED: it is rewritten on every push and losing it in a crash
only forgets who was being slowed down, so it need not cost a WAL write.

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shared_limits",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("level", sa.Float, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("taken", sa.Boolean, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE shared_limits SET UNLOGGED")


def downgrade() -> None:
    op.drop_table("shared_limits")
