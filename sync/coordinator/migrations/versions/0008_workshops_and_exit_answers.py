"""Workshops and exit answers, per (kiosk, install, day), beside the counts (issue 12 item
4, issue 16 item 3).

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _keys() -> list:
    return [sa.Column("kiosk_id", sa.Integer, sa.ForeignKey("kiosks.id"), primary_key=True),
            sa.Column("install_id", sa.String(36), primary_key=True),
            sa.Column("day", sa.Date, primary_key=True)]


def upgrade() -> None:
    op.create_table(
        "workshops", *_keys(),
        sa.Column("theme", sa.String(40), primary_key=True),
        sa.Column("sessions", sa.Integer, nullable=False),
        sa.Column("participants", sa.Integer, nullable=False),
    )
    op.create_index("ix_workshops_day", "workshops", ["day"])
    op.create_table(
        "exit_answers", *_keys(),
        sa.Column("answer", sa.String(20), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_index("ix_exit_answers_day", "exit_answers", ["day"])


def downgrade() -> None:
    op.drop_index("ix_exit_answers_day", "exit_answers")
    op.drop_table("exit_answers")
    op.drop_index("ix_workshops_day", "workshops")
    op.drop_table("workshops")
