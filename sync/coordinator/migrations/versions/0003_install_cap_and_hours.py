"""Install ids per kiosk (at most 3 until a reset); received times cut to the hour.

The kiosk_installs table starts with the install ids already seen in day_revisions. Times
already stored finer than the hour (received_at, last_contact_at) are cut to the hour and
clock skews rounded to the minute, so an old database keeps no more than a new one.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _hour(moment):
    return None if moment is None else moment.replace(minute=0, second=0, microsecond=0)


def upgrade() -> None:
    installs = op.create_table(
        "kiosk_installs",
        sa.Column("kiosk_id", sa.Integer, sa.ForeignKey("kiosks.id"), primary_key=True),
        sa.Column("install_id", sa.String(36), primary_key=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    conn = op.get_bind()
    revisions = sa.table("day_revisions", sa.column("kiosk_id", sa.Integer),
                         sa.column("install_id", sa.String),
                         sa.column("received_at", sa.DateTime(timezone=True)))
    kiosks = sa.table("kiosks", sa.column("id", sa.Integer),
                      sa.column("last_contact_at", sa.DateTime(timezone=True)),
                      sa.column("clock_skew_s", sa.Float))
    seen = conn.execute(
        sa.select(revisions.c.kiosk_id, revisions.c.install_id,
                  sa.func.min(revisions.c.received_at))
        .group_by(revisions.c.kiosk_id, revisions.c.install_id)).all()
    if seen:
        op.bulk_insert(installs, [{"kiosk_id": k, "install_id": i, "first_seen_at": _hour(t)}
                                  for k, i, t in seen])
    # One UPDATE per distinct stored time, not per row: a day's pushes share few times.
    for (moment,) in conn.execute(sa.select(revisions.c.received_at).distinct()).all():
        if moment != _hour(moment):
            conn.execute(sa.update(revisions).where(revisions.c.received_at == moment)
                         .values(received_at=_hour(moment)))
    for kid, moment, skew in conn.execute(
            sa.select(kiosks.c.id, kiosks.c.last_contact_at, kiosks.c.clock_skew_s)).all():
        conn.execute(sa.update(kiosks).where(kiosks.c.id == kid).values(
            last_contact_at=_hour(moment),
            clock_skew_s=None if skew is None else round(skew / 60) * 60.0))


def downgrade() -> None:
    op.drop_table("kiosk_installs")
