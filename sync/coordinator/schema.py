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
    false,
    true,
)

metadata = MetaData()

# The network's communes (communes.py): Le Grésivaudan's official list with INSEE codes, and
# those the network added outside it (insee NULL, added_by_network). `active` false hides a
# commune from the lists; its figures stay.
communes = Table(
    "communes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("insee", String(5), unique=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("added_by_network", Boolean, nullable=False, server_default=false()),
)

kiosks = Table(
    "kiosks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False, unique=True),
    # The commune's current name, kept beside commune_id by communes.py (rename, merge):
    # the reports group by it.
    Column("commune", String(120), nullable=False, index=True),
    Column("commune_id", Integer, ForeignKey("communes.id"), index=True),
    # sha256 hex of the bearer token: tokens are 128+ random bits, so a fast hash suffices.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_contact_at", DateTime(timezone=True)),
    # On the hour: the coordinator keeps no finer time of what it receives.
    # What the kiosk last said about its clock: (its sent_at - server time), rounded to the
    # minute, and its trusted flag.
    Column("clock_skew_s", Float),
    Column("clock_trusted", Boolean),
    Column("catalogue_version", String(20)),
)

# The install ids a kiosk token has brought (at most kiosks.MAX_INSTALLS until a reset).
kiosk_installs = Table(
    "kiosk_installs",
    metadata,
    Column("kiosk_id", Integer, ForeignKey("kiosks.id"), primary_key=True),
    Column("install_id", String(36), primary_key=True),
    # On the hour, like every time the coordinator keeps of what it receives.
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
)

# One row per (kiosk, install, day): the highest revision the server holds for that day.
day_revisions = Table(
    "day_revisions",
    metadata,
    Column("kiosk_id", Integer, ForeignKey("kiosks.id"), primary_key=True),
    Column("install_id", String(36), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    # By day for the period reads; with kiosk_id for the month_days trigger's lookup.
    Index("ix_day_revisions_day_kiosk", "day", "kiosk_id"),
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

# Month rollups (migration 0012): `counts` summed per (kiosk, month, category), and the
# distinct days received per (kiosk, month), all installs together. Database triggers on
# `counts` and `day_revisions` keep them exact whoever writes, so a year's report reads a few
# thousand rows however long the history. `month` is the first day of the month.
month_counts = Table(
    "month_counts",
    metadata,
    Column("month", Date, primary_key=True),
    Column("kiosk_id", Integer, primary_key=True),
    Column("category", String(40), primary_key=True),
    Column("count", Integer, nullable=False),
    sqlite_with_rowid=False,
)

month_days = Table(
    "month_days",
    metadata,
    Column("month", Date, primary_key=True),
    Column("kiosk_id", Integer, primary_key=True),
    Column("days", Integer, nullable=False),
    sqlite_with_rowid=False,
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(80), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # users.ROLES: "admin" (accounts, kiosks, tokens and every figure), "reader" (every
    # figure), "commune" (the figures of `commune` only).
    Column("role", String(10), nullable=False, server_default="admin"),
    Column("commune", String(120)),
    # A disabled account cannot log in and its sessions end; it can be enabled again.
    Column("active", Boolean, nullable=False, server_default=true()),
)

# Dashboard sessions, kept in the database so every worker agrees and a logout, a new
# password or a removed account ends them at once. `id` is the sha256 of the random id in
# the signed cookie: reading this table opens no session.
sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# The permanence's annex-1 profile as its kiosk last sent it (sync/coordinator/places.py):
# institutional data only. `changed_at` moves only when the content changes, to the hour.
places = Table(
    "places",
    metadata,
    Column("kiosk_id", Integer, ForeignKey("kiosks.id"), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("commune", String(120), nullable=False),
    Column("place", String(300), nullable=False),
    Column("address", String(300), nullable=False),
    Column("hours", Text, nullable=False),  # JSON: {"monday": ["09:00-12:00"], ...}
    Column("by_appointment", Boolean, nullable=False),
    Column("booking", String(300), nullable=False),
    Column("categories", Text, nullable=False),  # JSON: the category ids offered
    Column("changed_at", DateTime(timezone=True), nullable=False),
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

# Figures the coordinator enters by hand from a commune's paper tally (sync/coordinator/
# manual.py): one entry per commune and period, its counts per category apart. Never added
# to a kiosk's counts: the reports show them in their own rows, marked "saisi à la main".
# `commune` is a plain name (a permanence without a kiosk has no kiosk row to point at).
manual_entries = Table(
    "manual_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("commune", String(120), nullable=False, index=True),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("note", String(200), nullable=False, server_default=""),
    Column("entered_at", DateTime(timezone=True), nullable=False),  # on the hour
    Column("entered_by", String(120), nullable=False),  # "role:login"
)

manual_counts = Table(
    "manual_counts",
    metadata,
    Column("entry_id", Integer, ForeignKey("manual_entries.id"), primary_key=True),
    Column("category", String(40), primary_key=True),
    Column("count", Integer, nullable=False),
)

# The qualitative report (sync/coordinator/notes.py): per quarter and commune, three short
# plain-text notes, shown beside the figures of the annual report.
quarter_notes = Table(
    "quarter_notes",
    metadata,
    Column("commune", String(120), primary_key=True),
    Column("quarter", String(7), primary_key=True),  # "2026-Q3"
    Column("went_well", Text, nullable=False, server_default=""),
    Column("difficulties", Text, nullable=False, server_default=""),
    Column("needs", Text, nullable=False, server_default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False),  # on the hour
    Column("updated_by", String(120), nullable=False),
)

# Equipment handed over to a commune (article 2.3 of the convention; equipment.py).
equipment = Table(
    "equipment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("commune", String(120), nullable=False, index=True),
    Column("item", String(200), nullable=False),
    Column("delivered_on", Date, nullable=False),
    Column("warranty_end", Date),
    Column("invoice_ref", String(80), nullable=False, server_default=""),
)
# Workshops (ateliers collectifs) and exit answers, per (kiosk, install, day) like `counts`
# and replaced with them when a newer revision of the day arrives (coordinator/extras.py).
# Kept apart from the visits: a workshop's participants are not individual visits.
workshops = Table(
    "workshops",
    metadata,
    Column("kiosk_id", Integer, ForeignKey("kiosks.id"), primary_key=True),
    Column("install_id", String(36), primary_key=True),
    Column("day", Date, primary_key=True, index=True),
    Column("theme", String(40), primary_key=True),  # a category id
    Column("sessions", Integer, nullable=False),
    Column("participants", Integer, nullable=False),
)

exit_answers = Table(
    "exit_answers",
    metadata,
    Column("kiosk_id", Integer, ForeignKey("kiosks.id"), primary_key=True),
    Column("install_id", String(36), primary_key=True),
    Column("day", Date, primary_key=True, index=True),
    Column("answer", String(20), primary_key=True),  # kiosk.extras.EXIT_ANSWERS
    Column("count", Integer, nullable=False),
)

# Rate-limit buckets and login-failure records shared by every worker (sync/coordinator/
# limits.py): `key` names the limit and its subject, `level` is a bucket's tokens or a
# login's failures, `at` the Unix time it was last written. UNLOGGED on PostgreSQL.
shared_limits = Table(
    "shared_limits",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("level", Float, nullable=False),
    Column("at", Float, nullable=False),
    Column("taken", Boolean, nullable=False),
)
