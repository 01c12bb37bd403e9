"""Places: each permanence's annex-1 profile as its kiosk sent it (issue 12).

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "places",
        sa.Column("kiosk_id", sa.Integer, sa.ForeignKey("kiosks.id"), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("commune", sa.String(120), nullable=False),
        sa.Column("place", sa.String(300), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("hours", sa.Text, nullable=False),
        sa.Column("by_appointment", sa.Boolean, nullable=False),
        sa.Column("booking", sa.String(300), nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("places")
