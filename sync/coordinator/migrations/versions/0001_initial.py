"""The first tables: kiosks, day revisions, counts, dashboard users.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kiosks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("commune", sa.String(120), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("last_contact_at", sa.DateTime(timezone=True)),
        sa.Column("clock_skew_s", sa.Float),
        sa.Column("clock_trusted", sa.Boolean),
        sa.Column("catalogue_version", sa.String(20)),
    )
    op.create_index("ix_kiosks_commune", "kiosks", ["commune"])
    op.create_table(
        "day_revisions",
        sa.Column("kiosk_id", sa.Integer, sa.ForeignKey("kiosks.id"), primary_key=True),
        sa.Column("install_id", sa.String(36), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_day_revisions_day", "day_revisions", ["day"])
    op.create_table(
        "counts",
        sa.Column("kiosk_id", sa.Integer, sa.ForeignKey("kiosks.id"), primary_key=True),
        sa.Column("install_id", sa.String(36), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("category", sa.String(40), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_index("ix_counts_day", "counts", ["day"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("login", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("users")
    op.drop_index("ix_counts_day", "counts")
    op.drop_table("counts")
    op.drop_index("ix_day_revisions_day", "day_revisions")
    op.drop_table("day_revisions")
    op.drop_index("ix_kiosks_commune", "kiosks")
    op.drop_table("kiosks")
