"""The coordinator's hand-made entries: paper tallies, quarterly notes, equipment
(issue 11 point 4, issue 12 points 5 and 7).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "manual_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("commune", sa.String(120), nullable=False),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entered_by", sa.String(120), nullable=False),
    )
    op.create_index("ix_manual_entries_commune", "manual_entries", ["commune"])
    op.create_table(
        "manual_counts",
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("manual_entries.id"), primary_key=True),
        sa.Column("category", sa.String(40), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "quarter_notes",
        sa.Column("commune", sa.String(120), primary_key=True),
        sa.Column("quarter", sa.String(7), primary_key=True),
        sa.Column("went_well", sa.Text, nullable=False, server_default=""),
        sa.Column("difficulties", sa.Text, nullable=False, server_default=""),
        sa.Column("needs", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
    )
    op.create_table(
        "equipment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("commune", sa.String(120), nullable=False),
        sa.Column("item", sa.String(200), nullable=False),
        sa.Column("delivered_on", sa.Date, nullable=False),
        sa.Column("warranty_end", sa.Date),
        sa.Column("invoice_ref", sa.String(80), nullable=False, server_default=""),
    )
    op.create_index("ix_equipment_commune", "equipment", ["commune"])


def downgrade() -> None:
    op.drop_index("ix_equipment_commune", "equipment")
    op.drop_table("equipment")
    op.drop_table("quarter_notes")
    op.drop_table("manual_counts")
    op.drop_index("ix_manual_entries_commune", "manual_entries")
    op.drop_table("manual_entries")
