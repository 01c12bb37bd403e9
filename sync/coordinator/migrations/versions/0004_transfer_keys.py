"""Transfer keys: each kiosk's offline-transfer key and its public id.

Kiosks made before this table get their key at their next authenticated push (the
coordinator keeps only the token's hash, so it cannot derive the key earlier).

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfer_keys",
        sa.Column("kiosk_id", sa.Integer, sa.ForeignKey("kiosks.id"), primary_key=True),
        sa.Column("key_id", sa.String(16), nullable=False, unique=True),
        sa.Column("key", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("transfer_keys")
