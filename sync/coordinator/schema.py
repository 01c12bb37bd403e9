"""The coordinator's tables (SQLAlchemy Core), shared by ingestion, dashboard and reports.

Counts are kept per (kiosk, install, day, category) exactly as the kiosks send them; a day's
network figure is the sum over kiosks and installs. Alembic migrations
(sync/coordinator/migrations) create and evolve these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

kiosks = Table(
    "kiosks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("commune", String(120), nullable=False, index=True),
    # sha256 hex of the bearer token: tokens are 128+ random bits, so a fast hash suffices.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_contact_at", DateTime(timezone=True)),
    # What the kiosk last said about its clock: (its sent_at - server time) and trusted flag.
    Column("clock_skew_s", Float),
    Column("clock_trusted", Boolean),
    Column("catalogue_version", String(20)),
)

# One row per (kiosk, install, day): the highest revision the server holds for that day.
day_revisions = Table(
    "day_revisions",
    metadata,
    Column("kiosk_id", Integer, ForeignKey("kiosks.id"), primary_key=True),
    Column("install_id", String(36), primary_key=True),
    Column("day", Date, primary_key=True, index=True),
    Column("revision", Integer, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

# Absolute counts of that revision; a category missing from a push is stored as 0.
counts = Table(
    "counts",
    metadata,
    Column("kiosk_id", Integer, ForeignKey("kiosks.id"), primary_key=True),
    Column("install_id", String(36), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("category", String(40), primary_key=True),
    Column("count", Integer, nullable=False),
    # Covering: period queries grouped by kiosk and category read the index alone.
    Index("ix_counts_day_cover", "day", "kiosk_id", "category", "count"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(80), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Each kiosk's offline-transfer key, HMAC(token, "permanence-kiosk transfer v1"), derived
# when the coordinator sees the token (add-kiosk, or the kiosk's first push after this
# table appeared). key_id, public, is what a transfer payload names.
transfer_keys = Table(
    "transfer_keys",
    metadata,
    Column("kiosk_id", Integer, ForeignKey("kiosks.id"), primary_key=True),
    Column("key_id", String(16), nullable=False, unique=True),
    Column("key", String(64), nullable=False),
)
