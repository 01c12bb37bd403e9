"""Communes from a referential (issue 14, point 6): a `communes` table seeded with Le
Grésivaudan's communes, and kiosks referring to one by id; dashboard accounts can be
disabled (point 10).

Existing free-text communes are matched to the list by normalised name (accents, case,
hyphens); the kiosks and commune accounts take the official spelling. A name that matches
nothing stays, as a commune added by the network.

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from sync.coordinator.communes import normalise, referential

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    communes = op.create_table(
        "communes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("insee", sa.String(5), unique=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("added_by_network", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.bulk_insert(communes, [{"insee": code, "name": name, "active": True,
                               "added_by_network": False} for code, name in referential()])
    conn = op.get_bind()
    # Added in place (the reference with it): a batch copy of `kiosks` on SQLite would drop
    # a table that counts, installs and places refer to.
    if conn.dialect.name == "sqlite":  # Alembic will not alter constraints there
        op.execute("ALTER TABLE kiosks ADD COLUMN commune_id INTEGER "
                   "CONSTRAINT fk_kiosks_commune_id REFERENCES communes (id)")
    else:
        op.add_column("kiosks", sa.Column("commune_id", sa.Integer, sa.ForeignKey(
            "communes.id", name="fk_kiosks_commune_id")))
    op.create_index("ix_kiosks_commune_id", "kiosks", ["commune_id"])
    kiosks = sa.table("kiosks", sa.column("id"), sa.column("commune"), sa.column("commune_id"))
    users = sa.table("users", sa.column("commune"))
    known = {normalise(name): (cid, name)
             for cid, name in conn.execute(sa.select(communes.c.id, communes.c.name))}
    old_names = conn.execute(sa.select(kiosks.c.commune).distinct()).scalars().all()
    old_names += conn.execute(sa.select(users.c.commune).distinct()
                              .where(users.c.commune.is_not(None))).scalars().all()
    for old in sorted(set(old_names)):
        key = normalise(old)
        if key not in known:  # outside the list: kept as the network typed it
            made = conn.execute(sa.insert(communes).values(
                name=old.strip(), active=True, added_by_network=True))
            known[key] = (made.inserted_primary_key[0], old.strip())
        cid, name = known[key]
        conn.execute(sa.update(kiosks).where(kiosks.c.commune == old)
                     .values(commune_id=cid, commune=name))
        conn.execute(sa.update(users).where(users.c.commune == old).values(commune=name))


    op.add_column("users", sa.Column("active", sa.Boolean, nullable=False,
                                     server_default=sa.true()))


def downgrade() -> None:
    op.drop_column("users", "active")
    op.drop_index("ix_kiosks_commune_id", "kiosks")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_kiosks_commune_id", "kiosks", type_="foreignkey")
    op.drop_column("kiosks", "commune_id")
    op.drop_table("communes")
